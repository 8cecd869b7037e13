// A ticket moving to another queue's object, durably: recorded here in the step that takes it out
// of this queue, delivered (D1, then the other object) until that object confirms, and customer
// messages that still reach this queue afterwards forwarded there.
import { withExtras } from "../db/agent-views";
import { markAssigned, ticketHistory } from "../db/replies";
import { moveBetweenQueues } from "../db/ticket-moves";
import { retryDelayS } from "../domain/backoff";
import type { CarriedTimer, HandOverRow, TicketRow } from "./store";
import { holds, type QueueHost } from "./host";
import { startPositionUpdates } from "./customer-notices";
import { extrasFor } from "./ticket-views";
import type { InboundMessage, PlannedTicket, TransferBack, TransferIn } from "./arrivals";

/** Once the other queue has the ticket, how long customer messages reaching this queue are still forwarded there. */
const FORWARD_FOR_MS = 15 * 60_000;

/** What the other queue's object receives: an action plan's step, a transfer, or a transfer coming back. */
export type HandOver = { kind: "planned"; input: PlannedTicket } | { kind: "transfer"; input: TransferIn } | { kind: "returned"; input: TransferBack };

/** Where a hand-over stands: the other queue has the ticket, it is still on its way, it was closed, or it stayed here. */
export type HandOverOutcome = "delivered" | "pending" | "closed" | "stayed";

/**
 * Hands the ticket over to queue `to`. The caller has just taken it out of this queue with no
 * await before this call, so the record of its leaving commits with that; then a first attempt.
 */
export function handOver(q: QueueHost, to: string, move: HandOver, enqueuedAt: number): Promise<HandOverOutcome> {
  const ticketId = move.input.ticket.id;
  q.store.recordHandOver(ticketId, to, move.input.moveId, JSON.stringify(move), enqueuedAt);
  q.store.schedule("handover", String(ticketId), Date.now() + retryDelayS(0) * 1000);
  return deliverHandOver(q, ticketId);
}

/** The `handover` timer: a pending hand-over is tried again; a delivered one stops forwarding. */
export async function handOverDue(q: QueueHost, ticketId: number) {
  const h = q.store.handOver(ticketId);
  if (h?.confirmed_at != null) q.store.dropHandOver(ticketId);
  else if (h) await deliverHandOver(q, ticketId);
}

/**
 * One attempt to deliver the ticket's pending hand-over: D1 first (the ticket's queue, only if it
 * is still this one), then the other object, which acknowledges a repeat without applying it again.
 * A failure is retried by the `handover` timer with backoff.
 */
export async function deliverHandOver(q: QueueHost, ticketId: number): Promise<HandOverOutcome> {
  const h = q.store.handOver(ticketId);
  if (!h || h.confirmed_at !== null) return standing(q, ticketId);
  const move = JSON.parse(h.json) as HandOver;
  try {
    const moved = await moveBetweenQueues(q.env.DB, ticketId, q.queueId, h.to_queue, Date.now());
    if (moved === "closed" || moved === "no_queue") {
      if (!stillPending(q, h)) return standing(q, ticketId);
      q.store.dropHandOver(ticketId);
      if (moved === "closed") return "closed";
      console.warn("hand-over: no such queue, the ticket stays", { ticketId, queueId: h.to_queue });
      await stayHere(q, move, h.enqueued_at);
      return "stayed";
    }
    // "elsewhere": the other queue had it and passed it on, only its answer to us was lost.
    if (moved !== "elsewhere") await receive(q, h.to_queue, move);
    if (stillPending(q, h)) {
      const now = Date.now();
      q.store.confirmHandOver(h.move_id, now);
      q.store.schedule("handover", String(ticketId), now + FORWARD_FOR_MS);
    }
  } catch (err) {
    console.error("could not hand a ticket over to another queue; will retry", { ticketId, queueId: h.to_queue }, err);
    if (stillPending(q, h)) {
      const failed = q.store.handOverFailed(h.move_id);
      q.store.schedule("handover", String(ticketId), Date.now() + retryDelayS(failed) * 1000);
    }
  }
  return standing(q, ticketId);
}

/**
 * A customer message reached this queue for a ticket it handed over (the Worker read the ticket's
 * queue before it moved): it goes to the queue that has the ticket now, once the hand-over is
 * delivered. Null when the ticket did not leave (or came back), or the message has been here before.
 */
export async function forwardInbound(q: QueueHost, input: InboundMessage): Promise<{ state: TicketRow["state"] | "left" } | null> {
  const ticketId = input.ticket.id;
  const h = q.store.handOver(ticketId);
  if (!h || q.store.ticket(ticketId) || input.forwardedBy?.includes(q.queueId)) return null;
  const outcome = await deliverHandOver(q, ticketId);
  if (outcome === "stayed") return null;
  if (outcome === "closed") return { state: "left" };
  if (outcome === "pending") throw new Error(`ticket ${ticketId} is still on its way to queue ${h.to_queue}`);
  // That queue's object routes it by its own configuration.
  const { config: _config, configVersion: _version, ...rest } = input;
  return q.env.QUEUE_OBJECT.getByName(h.to_queue).routeInbound({ ...rest, forwardedBy: [...(input.forwardedBy ?? []), q.queueId] });
}

/**
 * Where a ticket this queue handed over is now, for news about it that came here (the API read its
 * queue before it moved): the queue it was delivered to, or null when it is here or was not delivered.
 */
export async function movedTo(q: QueueHost, ticketId: number): Promise<string | null> {
  const h = q.store.handOver(ticketId);
  if (!h || q.store.ticket(ticketId)) return null;
  return (await deliverHandOver(q, ticketId)) === "delivered" ? h.to_queue : null;
}

/** A ticket handed over here is already held by an agent here (a customer message brought it first): only its clocks are taken. */
export function alreadyServed(q: QueueHost, ticketId: number, timers: readonly CarriedTimer[] | undefined): boolean {
  if (q.store.ticket(ticketId)?.state !== "assigned") return false;
  q.store.resumeTimers(ticketId, timers);
  return true;
}

/** A transferred ticket back with the agent who transferred it, or (that agent gone) waiting in this queue. */
export async function giveBack(q: QueueHost, back: Omit<TransferBack, "moveId">, reason: "not_accepted" | "unavailable") {
  const now = Date.now();
  const agent = q.store.agent(back.agentId);
  if (agent?.connected) {
    q.store.adoptAssigned(back.ticket, back.agentId, now);
    if (back.settings) q.store.setSettings(back.ticket.id, back.settings);
    q.store.resumeTimers(back.ticket.id, back.timers);
    await markAssigned(q.env.DB, back.ticket.id, back.agentId, now);
    const [messages, extras] = await Promise.all([ticketHistory(q.env.DB, back.ticket.id), extrasFor(q, [back.ticket.id], back.agentId)]);
    if (holds(q, back.agentId, back.ticket.id)) {
      const ticket = withExtras(back.ticket, extras.get(back.ticket.id));
      q.send(back.agentId, { type: "transfer.failed", ticketId: back.ticket.id, reason, ticket, messages }, Date.now());
    }
  } else {
    q.store.enqueue(back.ticket, back.preview, now); // its agent is gone too: the queue serves it
    q.store.resumeTimers(back.ticket.id, back.timers);
    if (back.settings) q.store.setSettings(back.ticket.id, back.settings);
    startPositionUpdates(q, back.ticket.id, now);
  }
}

function receive(q: QueueHost, to: string, move: HandOver): Promise<unknown> {
  const target = q.env.QUEUE_OBJECT.getByName(to);
  switch (move.kind) {
    case "planned":
      return target.receivePlanned(move.input);
    case "transfer":
      return target.receiveTransfer(move.input);
    case "returned":
      return target.transferReturned(move.input);
  }
}

/** The destination does not exist: the ticket stays in this queue, as it would had it never left. */
async function stayHere(q: QueueHost, move: HandOver, enqueuedAt: number) {
  const now = Date.now();
  const id = move.input.ticket.id;
  if (move.kind === "transfer") {
    const { ticket, preview, from, settings, timers } = move.input;
    return giveBack(q, { ticket, preview, agentId: from.agentId, settings, timers }, "unavailable");
  }
  q.store.enqueue(move.input.ticket, move.input.preview, enqueuedAt);
  if (move.input.settings) q.store.setSettings(id, move.input.settings);
  q.store.resumeTimers(id, move.input.timers);
  if (move.kind === "planned") {
    // On to the plan's next step, at once.
    q.store.setPlan(id, move.input.steps);
    q.store.schedule("plan_step", String(id), now);
  } else startPositionUpdates(q, id, now);
}

function stillPending(q: QueueHost, h: HandOverRow): boolean {
  const now = q.store.handOver(h.ticket_id);
  return now?.move_id === h.move_id && now.confirmed_at === null;
}

function standing(q: QueueHost, ticketId: number): HandOverOutcome {
  const h = q.store.handOver(ticketId);
  if (!h) return "stayed";
  return h.confirmed_at === null ? "pending" : "delivered";
}
