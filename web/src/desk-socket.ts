// One agent socket to one queue: on a drop it reconnects with the last sequence number it
// processed, so the hub replays what was missed.
import { LiveSocket, type Connection } from "./live-socket";
import type { ClientFrame, SequencedFrame } from "./protocol";

/** Closes after which reconnecting is wrong: signed out by a supervisor, no longer a member, access ended. */
const FINAL_CLOSES: Record<number, string> = {
  4001: "A supervisor signed you out of this queue.",
  4003: "You are no longer a member of this queue.",
  4004: "Your session ended. Sign in again.",
};

export type SocketEvents = {
  frame(f: SequencedFrame): void;
  state(s: Connection, note: string): void;
  /** Highest seq processed so far: asked on every (re)connect. */
  lastSeq(): number;
};

export class DeskSocket extends LiveSocket<SequencedFrame, ClientFrame> {
  constructor(token: string, queueId: string, events: SocketEvents) {
    super(token, {
      path: "/agent/ws",
      params: () => {
        const params: Record<string, string> = { queue: queueId };
        const lastSeq = events.lastSeq();
        if (lastSeq > 0) params.lastSeq = String(lastSeq);
        return params;
      },
      finalCloses: FINAL_CLOSES,
      finalRefusal: (err) => (err.status === 401 ? FINAL_CLOSES[4004]! : null),
      frame: events.frame,
      // The desk is online once hello has come, not when the socket opens.
      state: (s, note) => s !== "online" && events.state(s, note),
    });
  }
}
