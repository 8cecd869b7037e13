// The frames of the hub's socket protocol, typed from the server's own zod schemas
// (src/queue/protocol.ts, the views in src/kinds/views.ts): type-only imports, so nothing of the
// server is bundled.
export type { ClientFrame, OfferView, ServerFrame } from "../../src/queue/protocol";
export type { MessageView, TicketView } from "../../src/kinds/views";
import type { ServerFrame } from "../../src/queue/protocol";

/** A frame as it arrives: every one carries the agent's sequence number. */
export type SequencedFrame = ServerFrame & { seq: number };
export type FrameOf<T extends ServerFrame["type"]> = Extract<ServerFrame, { type: T }>;
