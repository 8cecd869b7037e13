// An agent who is a member of several queues works them all at once: one socket and one
// DeskState per queue (each with its own sequence numbers), shown together. Pure: no DOM, no socket.
import type { Queue } from "./http";
import { applyFrame, conversationList, initialDeskState, type Connection, type Conversation, type DeskState } from "./desk-state";
import type { OfferView, SequencedFrame } from "./protocol";

export type Board = {
  /** In the order the hub lists the agent's queues. */
  queues: Queue[];
  states: Record<string, DeskState>;
  /** The conversation shown, whichever queue holds it. */
  selected: number | null;
};

export const initialBoard = (queues: Queue[]): Board => ({
  queues,
  states: Object.fromEntries(queues.map((q) => [q.id, initialDeskState()])),
  selected: null,
});

/** Keeps the shown conversation when it is still held; else the one its queue's state would show, else the latest. */
function settle(b: Board, changed: string | null): Board {
  const held = (id: number | null) => id !== null && Object.values(b.states).some((s) => s.conversations.has(id));
  if (held(b.selected)) return b;
  const own = changed === null ? null : (b.states[changed]?.selected ?? null);
  const selected = held(own) ? own : (boardConversations(b)[0]?.conv.ticket.id ?? null);
  return selected === b.selected ? b : { ...b, selected };
}

/** The board after one queue's state changed. */
export function withQueue(b: Board, queueId: string, f: (s: DeskState) => DeskState): Board {
  const s = b.states[queueId];
  if (!s) return b;
  return settle({ ...b, states: { ...b.states, [queueId]: f(s) } }, queueId);
}

export const boardFrame = (b: Board, queueId: string, frame: SequencedFrame): Board => withQueue(b, queueId, (s) => applyFrame(s, frame));

export function select(b: Board, ticketId: number): Board {
  const queueId = queueOfTicket(b, ticketId);
  if (!queueId) return b;
  const states = { ...b.states, [queueId]: { ...b.states[queueId]!, selected: ticketId } };
  return { ...b, states, selected: ticketId };
}

/** The queue whose socket a frame about this ticket goes to: the one that holds, offers or lists it. */
export function queueOfTicket(b: Board, ticketId: number): string | undefined {
  for (const q of b.queues) {
    const s = b.states[q.id]!;
    if (s.conversations.has(ticketId) || s.offers.some((o) => o.ticket.id === ticketId) || s.waiting.some((w) => w.ticket.id === ticketId)) return q.id;
  }
  return undefined;
}

/** Every queue's offers, the one expiring first first. */
export function boardOffers(b: Board): { offer: OfferView; queue: Queue }[] {
  return b.queues.flatMap((queue) => b.states[queue.id]!.offers.map((offer) => ({ offer, queue }))).sort((x, y) => x.offer.expiresAt - y.offer.expiresAt);
}

/** Every queue's held conversations, the most recently active first (a ticket moving between two queues shows once). */
export function boardConversations(b: Board): { conv: Conversation; queue: Queue }[] {
  const byId = new Map<number, { conv: Conversation; queue: Queue }>();
  for (const queue of b.queues) for (const conv of conversationList(b.states[queue.id]!)) byId.set(conv.ticket.id, { conv, queue });
  return [...byId.values()].sort((x, y) => y.conv.lastActivity - x.conv.lastActivity || y.conv.ticket.id - x.conv.ticket.id);
}

/** Every pick-only queue's waiting tickets, oldest first. */
export function boardWaiting(b: Board): { item: DeskState["waiting"][number]; queue: Queue }[] {
  return b.queues
    .flatMap((queue) => b.states[queue.id]!.waiting.map((item) => ({ item, queue })))
    .sort((x, y) => x.item.ticket.createdAt - y.item.ticket.createdAt || x.item.ticket.id - y.item.ticket.id);
}

export function selectedConversation(b: Board): { conv: Conversation; queue: Queue } | undefined {
  if (b.selected === null) return undefined;
  const queueId = queueOfTicket(b, b.selected);
  const conv = queueId ? b.states[queueId]!.conversations.get(b.selected) : undefined;
  return conv && { conv, queue: b.queues.find((q) => q.id === queueId)! };
}

const RANK: Record<Connection, number> = { online: 0, connecting: 1, reconnecting: 2, closed: 3 };

/**
 * The desk's connection as one line: online when every queue's socket is; else the worst state,
 * and for each queue that is not online (or has something to say), its name and note.
 */
export function boardConnection(b: Board): { connection: Connection; notes: { queue: Queue; connection: Connection; note: string }[] } {
  let connection: Connection = "online";
  const notes: { queue: Queue; connection: Connection; note: string }[] = [];
  for (const queue of b.queues) {
    const s = b.states[queue.id]!;
    if (RANK[s.connection] > RANK[connection]) connection = s.connection;
    if (s.connection !== "online" || s.connectionNote) notes.push({ queue, connection: s.connection, note: s.connectionNote });
  }
  // No queue yet: the desk is still asking which ones the agent works.
  return { connection: b.queues.length === 0 ? "connecting" : connection, notes };
}

/** The agent's presence over all queues: one status when they agree, "mixed" while a change is under way. */
export function boardPresence(b: Board): "online" | "away" | "offline" | "mixed" {
  const seen = new Set(b.queues.map((q) => b.states[q.id]!.agent?.status ?? "offline"));
  if (seen.size === 0) return "offline";
  return seen.size === 1 ? [...seen][0]! : "mixed";
}

/** Each queue's latest refusal. */
export const boardErrors = (b: Board) =>
  b.queues.flatMap((queue) => {
    const error = b.states[queue.id]!.error;
    return error ? [{ queue, error }] : [];
  });

/** The dispositions every queue's refusals taught, by account. */
export const boardDispositions = (b: Board): Record<string, string[]> => Object.assign({}, ...b.queues.map((q) => b.states[q.id]!.dispositions));
