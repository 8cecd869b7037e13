import { z } from "zod";
import { attachmentKinds, messageStatuses } from "../db/schema";

// The agent WebSocket protocol. docs/agent-protocol.md shows an example of every frame.

const ticketId = z.number().int().positive();
const text = z.string().min(1).max(4096);

/**
 * A ticket's subject and tags as agents and admins change them: subject ≤ 200 characters (null or
 * "" clears it), at most 20 tags of 1–50 characters. Trimmed; `normalizeTicketUpdate` dedupes.
 */
export const ticketUpdateFields = {
  subject: z.string().trim().max(200).nullable().optional(),
  tags: z.array(z.string().trim().min(1).max(50)).max(20).optional(),
};

export type TicketUpdate = { subject?: string | null; tags?: string[] };

/** "" subject → null; tags deduplicated, first occurrence first. */
export function normalizeTicketUpdate(u: TicketUpdate): TicketUpdate {
  const out: TicketUpdate = {};
  if (u.subject !== undefined) out.subject = u.subject === null || u.subject === "" ? null : u.subject;
  if (u.tags !== undefined) out.tags = [...new Set(u.tags)];
  return out;
}

export const clientFrameSchema = z.discriminatedUnion("type", [
  z.object({ type: z.literal("presence"), status: z.enum(["online", "away"]) }),
  z.object({ type: z.literal("accept"), ticketId }),
  z.object({ type: z.literal("decline"), ticketId }),
  /** Take a waiting ticket without an offer (the queue's Close Auto Assign, or an agent helping out). */
  z.object({ type: z.literal("pick"), ticketId }),
  z
    .object({
      type: z.literal("reply"),
      ticketId,
      text: text.optional(),
      /** Instead of `text`: the shortcut of a canned answer (the account's, else the global one), rendered for the ticket. */
      canned: z.string().regex(/^[a-z0-9_-]{1,32}$/).optional(),
      /** Chosen by the client; a reply re-sent with the same id is stored and sent once. */
      clientMsgId: z.string().min(1).max(64),
    })
    .refine((f) => (f.text === undefined) !== (f.canned === undefined), { message: "Send either text or canned", path: ["text"] }),
  z.object({ type: z.literal("edit"), ticketId, messageId: z.number().int().positive(), text }),
  /** Marks the ticket read up to `messageId` (forward only): customer messages after it are unread. */
  z.object({ type: z.literal("read"), ticketId, messageId: z.number().int().positive() }),
  /** Changes the held ticket's subject and/or tags. */
  z
    .object({ type: z.literal("ticket.update"), ticketId, ...ticketUpdateFields })
    .refine((f) => f.subject !== undefined || f.tags !== undefined, { message: "Give subject or tags", path: ["subject"] }),
  /** An internal note on a held ticket: kept in its history for agents, never sent to the customer. */
  z.object({ type: z.literal("note"), ticketId, text, clientMsgId: z.string().min(1).max(64) }),
  /** `disposition`: the outcome, from the account's dispositions (required where the account makes it mandatory). */
  z.object({ type: z.literal("close"), ticketId, disposition: z.string().trim().min(1).max(100).optional() }),
  /** Hand a held ticket to another agent of this queue, or to another queue; it comes back if nobody accepts in time. */
  z.object({
    type: z.literal("transfer"),
    ticketId,
    to: z.union([z.object({ agentId: z.string().min(1) }).strict(), z.object({ queueId: z.string().min(1) }).strict()]),
  }),
]);
export type ClientFrame = z.infer<typeof clientFrameSchema>;

/** Frames a supervisor may send on `/supervisor/ws`. */
export const supervisorFrameSchema = z.discriminatedUnion("type", [
  /** Set an agent's state: away stops new offers, offline signs the agent out and hands their tickets to others. */
  z.object({ type: z.literal("agent.state"), agentId: z.string().min(1).max(64), status: z.enum(["online", "away", "offline"]) }),
]);
export type SupervisorFrame = z.infer<typeof supervisorFrameSchema>;

/** Attachment metadata as stored and shown: the provider's reference, never the bytes. */
export const attachmentViewSchema = z.object({
  kind: z.enum(attachmentKinds),
  ref: z.string().optional(),
  name: z.string().optional(),
  mimeType: z.string().optional(),
  size: z.number().optional(),
  width: z.number().optional(),
  height: z.number().optional(),
  durationS: z.number().optional(),
});

export const messageViewSchema = z.object({
  id: z.number().int(),
  ticketId,
  direction: z.enum(["in", "out", "note", "system"]),
  body: z.string(),
  attachments: z.array(attachmentViewSchema),
  status: z.enum(messageStatuses),
  statusReason: z.string().nullable(),
  authorId: z.string().nullable(),
  createdAt: z.number(),
  editedAt: z.number().nullable(),
  /** The customer unsent it; its content is gone. */
  deletedAt: z.number().nullable(),
  /** The customer's reaction (an emoji), if any. */
  reaction: z.string().nullable(),
  /**
   * With a translating queue: the message in the agents' language — a customer message translated,
   * or the agent's own words behind a reply sent translated. See docs/translation.md.
   */
  translation: z.object({ language: z.string(), text: z.string(), sourceLanguage: z.string().nullable() }).optional(),
});
export type MessageView = z.infer<typeof messageViewSchema>;

/** Whether a free-form reply can reach the customer now, and until when (the provider's rule: Meta, WhatsApp). */
export const replyWindowViewSchema = z.object({
  open: z.boolean(),
  /** Epoch ms when it closes (or closed); null when the provider has none, or the customer never wrote. */
  closesAt: z.number().nullable(),
  /** The window's length: "24h", "7d"; "none" for providers without a window. */
  kind: z.string(),
});
export type ReplyWindowView = z.infer<typeof replyWindowViewSchema>;

export const ticketViewSchema = z.object({
  id: ticketId,
  accountId: z.string(),
  accountName: z.string(),
  provider: z.string(),
  contact: z.object({ id: z.number().int(), name: z.string(), username: z.string().nullable() }),
  subject: z.string().nullable(),
  createdAt: z.number(),
  /** In views of held tickets (hello, ticket.assigned, ticket.updated): */
  tags: z.array(z.string()).optional(),
  /** Customer messages after the agent's read mark. */
  unread: z.number().int().optional(),
  replyWindow: replyWindowViewSchema.optional(),
});
export type TicketView = z.infer<typeof ticketViewSchema>;

export type AgentStatus = "online" | "away" | "offline";

/** Frames the hub sends. Every one carries `seq`: see the protocol document for replay. */
export type ServerFrame =
  | {
      type: "hello";
      agent: { id: string; name: string; status: AgentStatus; capacity: number };
      queue: { id: string };
      /** Tickets this agent holds and offers open to it right now. */
      tickets: TicketView[];
      offers: OfferView[];
      /** How many missed frames follow this one. */
      replayed: number;
      /** false when frames after the client's lastSeq were pruned: reload state from the API. */
      complete: boolean;
    }
  /** Your state changed; `by` is set when a supervisor changed it. */
  | { type: "presence"; status: AgentStatus; by?: { supervisorId: string } }
  | ({ type: "offer" } & OfferView)
  | { type: "offer.withdrawn"; ticketId: number; reason: "timeout" | "declined" | "taken" | "closed" | "offline" | "rerouted" }
  | { type: "ticket.assigned"; ticket: TicketView; messages: MessageView[] }
  | {
      type: "message";
      message: MessageView;
      /** Live only (never stored, never replayed): e.g. an Instagram story mention's media URL. */
      ephemeral?: { kind: "story_mention"; url: string };
    }
  | { type: "message.updated"; message: MessageView }
  /** A customer message of a ticket you hold, translated into the agents' language. */
  | { type: "message.translated"; ticketId: number; messageId: number; translation: NonNullable<MessageView["translation"]> }
  | { type: "reply.queued"; clientMsgId: string; message: MessageView }
  /** Your read mark on the ticket, after a `read` frame. */
  | { type: "ticket.read"; ticketId: number; lastReadMessageId: number; unread: number }
  /** The ticket's subject, tags or reply window changed: its whole view, as `ticket.assigned` gives it. */
  | { type: "ticket.updated"; ticket: TicketView }
  /** Your internal note is stored (direction `note`); it is never sent to the customer. */
  | { type: "note.added"; clientMsgId: string; message: MessageView }
  | { type: "delivery"; ticketId: number; messageId: number; status: MessageView["status"]; reason: string | null }
  | { type: "ticket.closed"; ticketId: number; by: string | null; disposition: string | null }
  /** Close Auto Assign queues: a ticket waits to be picked; `ticket.taken` when someone has. */
  | { type: "ticket.waiting"; ticket: TicketView; preview: string; notification: OfferNotification }
  | { type: "ticket.taken"; ticketId: number }
  /**
   * The conversation ended on a timer; the ticket left your desk (and closed, when `ticketClosed`).
   * Show it as ended until `displayUntil` (the queue's Closed Webchat Display Time).
   */
  | {
      type: "conversation.ended";
      ticketId: number;
      reason: "idle_session_timeout" | "session_timeout" | "message_timeout" | "customer_silent";
      ticketClosed: boolean;
      displayUntil: number;
    }
  /** Contact Message Timeout: the customer's message waited too long; the ticket is escalated. */
  | { type: "ticket.escalated"; ticketId: number }
  /** Your transfer was accepted: the ticket left your desk. */
  | { type: "ticket.transferred"; ticketId: number; to: { agentId: string } | { queueId: string } }
  /** Your transfer was not accepted in time (or was declined): the ticket is yours again. */
  | { type: "transfer.failed"; ticketId: number; reason: "declined" | "timeout" | "not_accepted" | "unavailable"; ticket?: TicketView; messages?: MessageView[] }
  /** The ticket was taken back from this agent and goes to someone else. */
  | { type: "ticket.revoked"; ticketId: number; reason: "offline" | "agent_timeout" | "agent_unavailable" }
  | { type: "error"; code: string; message: string; ref?: unknown };

/** What a client shows and plays for a new interaction (the account's notification settings). */
export type OfferNotification = { text: string; sound: boolean; shake: boolean };

export type OfferView = {
  ticket: TicketView;
  preview: string;
  expiresAt: number;
  notification?: OfferNotification;
  /** Set when the offer is a colleague's transfer rather than a new ticket. */
  transferFrom?: { agentId: string; queueId: string };
};

/** What supervisors see of a queue, sent whole on every change. */
export type QueueState = {
  type: "queue.state";
  seq: number;
  at: number;
  config: { strategy: string; closeAutoAssign: boolean; priority: number; leaveWhenEmpty: boolean };
  agents: { id: string; name: string; status: AgentStatus; capacity: number; load: number; holding: number[]; offered: number[] }[];
  waiting: { ticketId: number; contact: string; position: number; ageS: number; estimateS: number; offeredTo: string[]; escalated: boolean; onPlan: boolean }[];
  /** Agents this queue leaves alone while a higher-priority queue has tickets waiting for them. */
  claimedByHigherPriority: string[];
  paceS: number | null;
};

export type SequencedFrame = ServerFrame & { seq: number };
