import { z } from "zod";
import { messageStatuses } from "../kinds/message";
import { messageTranslationSchema, messageViewSchema, ticketViewSchema } from "../kinds/views";

// The agent WebSocket protocol. docs/agent-protocol.md shows an example of every frame.

const ticketId = z.number().int().positive();
const text = z.string().min(1).max(4096);
/**
 * A reply's or edit's text: at most the longest any provider takes (the custom channel's 20 000
 * UTF-16 code units). The ticket's own provider limit is checked by the queue (`text_too_long`).
 */
export const MAX_REPLY_TEXT = 20_000;
const replyText = z.string().min(1).max(MAX_REPLY_TEXT);

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
      text: replyText.optional(),
      /** Instead of `text`: the shortcut of a canned answer (the account's, else the global one), rendered for the ticket. */
      canned: z.string().regex(/^[a-z0-9_-]{1,32}$/).optional(),
      /** Chosen by the client; a reply re-sent with the same id is stored and sent once. */
      clientMsgId: z.string().min(1).max(64),
      /** With the id of a reply that `failed` (an "outcome unknown" one too): send that reply again. */
      resend: z.boolean().optional(),
    })
    .refine((f) => (f.text === undefined) !== (f.canned === undefined), { message: "Send either text or canned", path: ["text"] }),
  z.object({ type: z.literal("edit"), ticketId, messageId: z.number().int().positive(), text: replyText }),
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
  /** Watch a ticket of this queue: `spy.started` with its history, then `spy.event` for everything that happens to it. */
  z.object({ type: z.literal("spy.start"), ticketId }),
  z.object({ type: z.literal("spy.stop"), ticketId }),
  /** An internal note on a ticket of this queue: the holding agent sees it live, the customer never does. */
  z.object({ type: z.literal("note"), ticketId, text, clientMsgId: z.string().min(1).max(64) }),
  /** Ask for the queue's figures now (`queue.stats`). */
  z.object({ type: z.literal("stats") }),
]);
export type SupervisorFrame = z.infer<typeof supervisorFrameSchema>;

const agentStatus = z.enum(["online", "away", "offline"]);
export type AgentStatus = z.infer<typeof agentStatus>;

/** What a client shows and plays for a new interaction (the account's notification settings). */
export const offerNotificationSchema = z.object({ text: z.string(), sound: z.boolean(), shake: z.boolean() });
export type OfferNotification = z.infer<typeof offerNotificationSchema>;

export const offerViewSchema = z.object({
  ticket: ticketViewSchema,
  preview: z.string(),
  expiresAt: z.number(),
  notification: offerNotificationSchema.optional(),
  /** Set when the offer is a colleague's transfer rather than a new ticket. */
  transferFrom: z.object({ agentId: z.string(), queueId: z.string() }).optional(),
});
export type OfferView = z.infer<typeof offerViewSchema>;

const destination = z.union([z.object({ agentId: z.string() }), z.object({ queueId: z.string() })]);

/**
 * Frames the hub sends. Every one carries `seq` (see the protocol document for replay); the
 * schemas here describe them for clients and for the documentation's examples.
 */
export const serverFrameSchema = z.discriminatedUnion("type", [
  z.object({
    type: z.literal("hello"),
    agent: z.object({ id: z.string(), name: z.string(), status: agentStatus, capacity: z.number().int() }),
    queue: z.object({ id: z.string() }),
    /** Tickets this agent holds and offers open to it right now. */
    tickets: z.array(ticketViewSchema),
    offers: z.array(offerViewSchema),
    /** How many missed frames follow this one. */
    replayed: z.number().int(),
    /** false when frames after the client's lastSeq were pruned: reload state from the API. */
    complete: z.boolean(),
  }),
  /** Your state changed; `by` is set when a supervisor changed it. */
  z.object({ type: z.literal("presence"), status: agentStatus, by: z.object({ supervisorId: z.string() }).optional() }),
  offerViewSchema.extend({ type: z.literal("offer") }),
  z.object({ type: z.literal("offer.withdrawn"), ticketId, reason: z.enum(["timeout", "declined", "taken", "closed", "offline", "rerouted"]) }),
  z.object({ type: z.literal("ticket.assigned"), ticket: ticketViewSchema, messages: z.array(messageViewSchema) }),
  z.object({
    type: z.literal("message"),
    message: messageViewSchema,
    /** Live only (never stored, never replayed): e.g. an Instagram story mention's media URL. */
    ephemeral: z.object({ kind: z.literal("story_mention"), url: z.string() }).optional(),
  }),
  z.object({ type: z.literal("message.updated"), message: messageViewSchema }),
  /** A customer message of a ticket you hold, translated into the agents' language. */
  z.object({ type: z.literal("message.translated"), ticketId, messageId: z.number().int(), translation: messageTranslationSchema }),
  z.object({ type: z.literal("reply.queued"), clientMsgId: z.string(), message: messageViewSchema }),
  /** Your read mark on the ticket, after a `read` frame. */
  z.object({ type: z.literal("ticket.read"), ticketId, lastReadMessageId: z.number().int(), unread: z.number().int() }),
  /** The ticket's subject, tags or reply window changed: its whole view, as `ticket.assigned` gives it. */
  z.object({ type: z.literal("ticket.updated"), ticket: ticketViewSchema }),
  /** Your internal note is stored (direction `note`); it is never sent to the customer. */
  z.object({ type: z.literal("note.added"), clientMsgId: z.string(), message: messageViewSchema }),
  z.object({ type: z.literal("delivery"), ticketId, messageId: z.number().int(), status: z.enum(messageStatuses), reason: z.string().nullable() }),
  z.object({ type: z.literal("ticket.closed"), ticketId, by: z.string().nullable(), disposition: z.string().nullable() }),
  /** The ticket was erased (an admin's deletion, a contact's erasure): drop it and everything of it, offer included. */
  z.object({ type: z.literal("ticket.deleted"), ticketId }),
  /** Close Auto Assign queues: a ticket waits to be picked; `ticket.taken` when someone has. */
  z.object({ type: z.literal("ticket.waiting"), ticket: ticketViewSchema, preview: z.string(), notification: offerNotificationSchema }),
  z.object({ type: z.literal("ticket.taken"), ticketId }),
  /**
   * The conversation ended on a timer; the ticket left your desk (and closed, when `ticketClosed`).
   * Show it as ended until `displayUntil` (the queue's Closed Webchat Display Time).
   */
  z.object({
    type: z.literal("conversation.ended"),
    ticketId,
    reason: z.enum(["idle_session_timeout", "session_timeout", "message_timeout", "customer_silent"]),
    ticketClosed: z.boolean(),
    displayUntil: z.number(),
  }),
  /** Contact Message Timeout: the customer's message waited too long; the ticket is escalated. */
  z.object({ type: z.literal("ticket.escalated"), ticketId }),
  /** Your transfer was accepted: the ticket left your desk. */
  z.object({ type: z.literal("ticket.transferred"), ticketId, to: destination }),
  /** Your transfer was not accepted in time (or was declined): the ticket is yours again. */
  z.object({
    type: z.literal("transfer.failed"),
    ticketId,
    reason: z.enum(["declined", "timeout", "not_accepted", "unavailable"]),
    ticket: ticketViewSchema.optional(),
    messages: z.array(messageViewSchema).optional(),
  }),
  /** The ticket was taken back from this agent and goes to someone else. */
  z.object({ type: z.literal("ticket.revoked"), ticketId, reason: z.enum(["offline", "agent_timeout", "agent_unavailable"]) }),
  z.object({ type: z.literal("error"), code: z.string(), message: z.string(), ref: z.unknown().optional() }),
]);
export type ServerFrame = z.infer<typeof serverFrameSchema>;

/** A frame as it goes out: numbered in the agent's sequence. */
export const sequencedFrameSchema = z.intersection(serverFrameSchema, z.object({ seq: z.number().int() }));

/** What supervisors see of a queue, sent whole on every change. */
export const queueStateSchema = z.object({
  type: z.literal("queue.state"),
  seq: z.number().int(),
  at: z.number(),
  config: z.object({ strategy: z.string(), closeAutoAssign: z.boolean(), priority: z.number().int(), leaveWhenEmpty: z.boolean() }),
  agents: z.array(
    z.object({
      id: z.string(),
      name: z.string(),
      status: agentStatus,
      capacity: z.number().int(),
      load: z.number().int(),
      holding: z.array(z.number().int()),
      offered: z.array(z.number().int()),
    }),
  ),
  waiting: z.array(
    z.object({
      ticketId: z.number().int(),
      contact: z.string(),
      position: z.number().int(),
      ageS: z.number(),
      estimateS: z.number(),
      offeredTo: z.array(z.string()),
      escalated: z.boolean(),
      onPlan: z.boolean(),
    }),
  ),
  /** Agents this queue leaves alone while a higher-priority queue has tickets waiting for them. */
  claimedByHigherPriority: z.array(z.string()),
  paceS: z.number().nullable(),
});
export type QueueState = z.infer<typeof queueStateSchema>;

const seconds = z.number().nullable();

/** Service figures over a set of tickets (docs/interactions.md#figures-and-reports). */
export const serviceFiguresSchema = z
  .object({
    created: z.number().int(),
    handled: z.number().int(),
    abandoned: z.number().int(),
    firstResponse: z.object({ count: z.number().int(), avgS: seconds, p90S: seconds }),
    handleTime: z.object({ count: z.number().int(), avgS: seconds }),
    serviceLevel: z.object({ targetS: z.number().int().nullable(), within: z.number().int(), of: z.number().int(), pct: z.number().nullable() }),
  });

/** A queue's figures: live ones, and since midnight in the queue's time zone. */
export const queueStatsSchema = z
  .object({
    queueId: z.string(),
    at: z.number(),
    timeZone: z.string(),
    /** Midnight in the queue's time zone (epoch ms): where `today` starts. */
    since: z.number(),
    waiting: z.number().int(),
    longestWaitS: z.number().int(),
    offersInFlight: z.number().int(),
    agentsByState: z.object({ online: z.number().int(), away: z.number().int(), offline: z.number().int() }),
    load: z.number().int(),
    /** Capacity of the agents online or away. */
    capacity: z.number().int(),
    today: serviceFiguresSchema,
    agents: z.array(
      z.object({
        id: z.string(),
        name: z.string(),
        status: agentStatus,
        load: z.number().int(),
        capacity: z.number().int(),
        today: serviceFiguresSchema,
      }),
    ),
  });
export type QueueStats = z.infer<typeof queueStatsSchema>;

/** Frames a supervisor's socket receives besides `queue.state` (not numbered). */
export const supervisorServerFrameSchema = z.discriminatedUnion("type", [
  /** Spying began: the ticket, who holds it, its history (oldest first, notes included). `spy.event`s follow. */
  z.object({ type: z.literal("spy.started"), ticket: ticketViewSchema, holderId: z.string().nullable(), messages: z.array(messageViewSchema) }),
  /** Something happened to a ticket you spy on: the frame its holder got (without their `seq`). */
  z.object({ type: z.literal("spy.event"), ticketId, frame: serverFrameSchema }),
  /** Spying ended: you stopped, the ticket closed, was erased or left the queue. */
  z.object({ type: z.literal("spy.stopped"), ticketId, reason: z.enum(["stopped", "closed", "deleted", "left_queue"]) }),
  /** Your note is stored (direction `note`); the holder got it as a `message` frame. */
  z.object({ type: z.literal("note.added"), clientMsgId: z.string(), message: messageViewSchema }),
  queueStatsSchema.extend({ type: z.literal("queue.stats") }),
  z.object({ type: z.literal("error"), code: z.string(), message: z.string(), ref: z.unknown().optional() }),
]);
export type SupervisorServerFrame = z.infer<typeof supervisorServerFrameSchema>;
