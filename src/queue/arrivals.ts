// What arrives at a queue's object from outside it: a customer's message from the Worker, and
// tickets handed over by other queues (a transfer, one coming back, an action plan's step).
import type { ConversationSettings } from "../domain/conversation-settings";
import type { PlanStep, RoutingConfig } from "../domain/routing-config";
import type { MessageView, TicketView } from "../kinds/views";
import type { CarriedTimer } from "./store";

/** A customer message the Worker stored, with what routing it needs. */
export type InboundMessage = {
  ticket: TicketView;
  assigneeId: string | null;
  message: MessageView;
  /**
   * The queue's configuration as the Worker routes by it: `configVersion` (routing-version.ts) names
   * it, and the object reads its own from D1 only when that differs from the one it keeps (pushed by
   * `configure` whenever the queue changes). `config` itself may be sent instead (tests, older callers).
   */
  configVersion?: string;
  config?: RoutingConfig;
  /** The ticket's account's conversation settings (automatic messages, reassignment…). */
  settings?: ConversationSettings;
  /** The same as JSON, as the Worker sends them: a string crosses the RPC far cheaper than the object. */
  settingsJson?: string;
  /** The agent who last served this contact, for the sticky strategy. */
  lastAgentId?: string | null;
  /** Shown live to the agent holding the ticket, never stored (not even in the replay log). */
  ephemeral?: { kind: "story_mention"; url: string };
  /** The queues that forwarded this message here, the ticket having left them (see hand-over.ts). */
  forwardedBy?: string[];
};

/** A ticket another queue's agent transferred here; `moveId` names this hand-over (a repeat of it is only acknowledged). */
export type TransferIn = { moveId: string; ticket: TicketView; preview: string; from: { queueId: string; agentId: string }; returnAfterS: number; settings?: string | null; timers?: CarriedTimer[] };
/** A ticket this queue transferred away, back unaccepted. */
export type TransferBack = { moveId: string; ticket: TicketView; preview: string; agentId: string; settings?: string | null; timers?: CarriedTimer[] };

/** A ticket sent by another queue's action plan; `moveId` names this hand-over (a repeat of it is only acknowledged). */
export type PlannedTicket = { moveId: string; ticket: TicketView; preview: string; steps: PlanStep[]; timeoutS: number; settings?: string | null; timers?: CarriedTimer[] };
