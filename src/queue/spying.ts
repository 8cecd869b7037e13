// Supervisors spying on tickets: which of their sockets watch which ticket, and what they are sent.
import { storeNote, ticketHistory } from "../db/replies";
import { OBSERVER_TAG, type QueueHost, type SocketAttachment } from "./host";
import type { ServerFrame, SupervisorServerFrame } from "./protocol";

/** `pending`: frames that came while the spy's history was read from D1 (sent after it). */
type Spy = { ws: WebSocket; pending: ServerFrame[] | null };
type SpyAttachment = SocketAttachment & { spying?: number[] };

/** How many of a ticket's latest messages `spy.started` carries. */
export const SPY_HISTORY_LIMIT = 500;

/** The frames a ticket's holder gets that its spies get too (offers and the like go to many agents, and are the queue's business). */
const SPIED = new Set<ServerFrame["type"]>([
  "ticket.assigned",
  "message",
  "message.updated",
  "message.translated",
  "reply.queued",
  "note.added",
  "delivery",
  "ticket.updated",
  "ticket.escalated",
  "ticket.closed",
  "ticket.deleted",
  "ticket.transferred",
  "transfer.failed",
  "ticket.revoked",
  "conversation.ended",
]);

/** Each queue object's spies by ticket; rebuilt from the sockets' attachments when the object wakes. */
const indexes = new WeakMap<QueueHost, Map<number, Spy[]>>();

function spiesOf(q: QueueHost): Map<number, Spy[]> {
  let map = indexes.get(q);
  if (!map) {
    map = new Map();
    for (const ws of q.ctx.getWebSockets(OBSERVER_TAG)) {
      const att = ws.deserializeAttachment() as SpyAttachment | null;
      for (const id of att?.spying ?? []) map.set(id, [...(map.get(id) ?? []), { ws, pending: null }]);
    }
    indexes.set(q, map);
  }
  return map;
}

function sendTo(ws: WebSocket, frame: SupervisorServerFrame) {
  try {
    ws.send(JSON.stringify(frame));
    return true;
  } catch {
    return false; // closing
  }
}

/** The socket's attachment keeps the tickets it spies on, so the index survives hibernation. */
function remember(ws: WebSocket, ticketId: number, on: boolean) {
  const att = ws.deserializeAttachment() as SpyAttachment;
  const spying = (att.spying ?? []).filter((id) => id !== ticketId);
  if (on) spying.push(ticketId);
  ws.serializeAttachment({ ...att, spying });
}

function drop(q: QueueHost, ticketId: number, ws: WebSocket) {
  const map = spiesOf(q);
  const left = (map.get(ticketId) ?? []).filter((s) => s.ws !== ws);
  if (left.length === 0) map.delete(ticketId);
  else map.set(ticketId, left);
}

function ticketOf(frame: ServerFrame): number | undefined {
  if ("ticketId" in frame) return frame.ticketId;
  if ("message" in frame && typeof frame.message === "object") return frame.message.ticketId;
  if ("ticket" in frame && frame.ticket) return frame.ticket.id;
  return undefined;
}

function endOf(frame: ServerFrame): "closed" | "deleted" | "left_queue" | null {
  if (frame.type === "ticket.closed") return "closed";
  if (frame.type === "ticket.deleted") return "deleted";
  if (frame.type === "ticket.transferred" && "queueId" in frame.to) return "left_queue";
  return null;
}

/** A frame for a ticket's holder: the ticket's spies get it as `spy.event` (one map lookup when nobody spies). */
export function tellSpies(q: QueueHost, frame: ServerFrame) {
  if (!SPIED.has(frame.type)) return;
  const map = spiesOf(q);
  if (map.size === 0) return;
  const ticketId = ticketOf(frame);
  const spies = ticketId === undefined ? undefined : map.get(ticketId);
  if (!spies || ticketId === undefined) return;
  const end = endOf(frame);
  for (const spy of [...spies]) {
    if (spy.pending) {
      spy.pending.push(frame);
      continue;
    }
    const open = sendTo(spy.ws, { type: "spy.event", ticketId, frame });
    if (!open) drop(q, ticketId, spy.ws);
    else if (end) stop(q, spy.ws, ticketId, end);
  }
}

/**
 * The queue let go of the ticket (closed or erased while nobody held it, so no holder's frame said
 * so): its spies are told. A spy still reading the history finds the ticket gone by itself.
 */
export function ticketGone(q: QueueHost, ticketId: number, reason: "closed" | "deleted") {
  const spies = spiesOf(q).get(ticketId);
  if (!spies) return;
  for (const spy of [...spies]) if (!spy.pending) stop(q, spy.ws, ticketId, reason);
}

/** Stops one socket's spying on the ticket and tells it why. */
function stop(q: QueueHost, ws: WebSocket, ticketId: number, reason: "stopped" | "closed" | "deleted" | "left_queue") {
  drop(q, ticketId, ws);
  try {
    remember(ws, ticketId, false);
  } catch {
    // closed socket: nothing to remember
  }
  sendTo(ws, { type: "spy.stopped", ticketId, reason });
}

type Answer = (code: string, message: string, ref?: unknown) => void;

/** `spy.start`: the ticket's history (D1), then its events as they happen; those that came during the read follow the history. */
export async function startSpying(q: QueueHost, ws: WebSocket, ticketId: number, answer: Answer) {
  if (!q.store.ticket(ticketId)) return answer("not_in_queue", "No open ticket with this id in this queue", { ticketId });
  drop(q, ticketId, ws);
  const spy: Spy = { ws, pending: [] };
  const map = spiesOf(q);
  map.set(ticketId, [...(map.get(ticketId) ?? []), spy]);
  remember(ws, ticketId, true);
  let messages;
  try {
    messages = await ticketHistory(q.env.DB, ticketId, SPY_HISTORY_LIMIT);
  } catch (err) {
    drop(q, ticketId, ws);
    remember(ws, ticketId, false);
    throw err;
  }
  const row = q.store.ticket(ticketId);
  const pending = spy.pending ?? [];
  spy.pending = null;
  if (!row) return stop(q, ws, ticketId, pending.map(endOf).find((e) => e !== null) ?? "closed");
  sendTo(ws, { type: "spy.started", ticket: row.view, holderId: row.state === "assigned" ? row.agent_id : null, messages });
  const shown = new Set(messages.map((m) => m.id));
  for (const frame of pending) {
    if ((frame.type === "message" || frame.type === "reply.queued" || frame.type === "note.added") && shown.has(frame.message.id)) continue;
    sendTo(ws, { type: "spy.event", ticketId, frame });
    const end = endOf(frame);
    if (end) return stop(q, ws, ticketId, end);
  }
}

/** A supervisor's socket closed: it spies on nothing any more. */
export function spySocketGone(q: QueueHost, ws: WebSocket) {
  const map = indexes.get(q);
  if (!map) return;
  for (const [ticketId, spies] of map) if (spies.some((s) => s.ws === ws)) drop(q, ticketId, ws);
}

export function stopSpying(q: QueueHost, ws: WebSocket, ticketId: number) {
  stop(q, ws, ticketId, "stopped");
}

/**
 * A supervisor's internal note, stored as an agent's note is (direction `note`, never queued for the
 * customer): the holder gets it as a `message` frame, the ticket's spies as its `spy.event`.
 */
export async function supervisorNote(q: QueueHost, ws: WebSocket, supervisorId: string, frame: { ticketId: number; text: string; clientMsgId: string }, answer: Answer) {
  const ref = { ticketId: frame.ticketId, clientMsgId: frame.clientMsgId };
  if (!q.store.ticket(frame.ticketId)) return answer("not_in_queue", "No open ticket with this id in this queue", ref);
  const stored = await storeNote(q.env.DB, { ticketId: frame.ticketId, authorId: supervisorId, text: frame.text, clientMsgId: frame.clientMsgId });
  if (!stored) return answer("ticket_closed", "The ticket is closed", ref);
  if ("refused" in stored) return answer("client_msg_id_taken", "This clientMsgId names another message of the ticket (a reply)", ref);
  sendTo(ws, { type: "note.added", clientMsgId: frame.clientMsgId, message: stored.message });
  if (!stored.created) return;
  const row = q.store.ticket(frame.ticketId);
  const now = Date.now();
  if (row?.state === "assigned" && row.agent_id) q.send(row.agent_id, { type: "message", message: stored.message }, now);
  else tellSpies(q, { type: "message", message: stored.message });
}
