// Action plans, Leave When Empty and priority across queues: what this queue shares with others.
import { peerQueues } from "../db/queue-object-reads";
import { planStepsAt, type PlanStep } from "../domain/routing-config";
import type { PlannedTicket } from "./arrivals";
import type { CarriedTimer, PeerClaim, TicketRow } from "./store";
import type { QueueHost } from "./host";
import { ensureQueueName, startPositionUpdates } from "./customer-notices";
import { isAvailable } from "./dispatch";
import { alreadyServed, handOver } from "./hand-over";

/** How long the list of queues sharing agents with this one is reused before it is read again from D1. */
const PEERS_TTL_MS = 60_000;

/** A short fingerprint of a string (FNV-1a), to notice when a claim changes without keeping it. */
function hashOf(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return h >>> 0;
}


/** A ticket sent here by another queue's action plan: it waits here `timeoutS`, then goes on to `steps`. */
export async function receivePlanned(q: QueueHost, input: PlannedTicket): Promise<void> {
  await ensureQueueName(q);
  const now = Date.now();
  if (!q.store.firstArrival(input.moveId, input.ticket.id, now) || alreadyServed(q, input.ticket.id, input.timers)) return;
  q.store.enqueue(input.ticket, input.preview, now);
  if (input.settings) q.store.setSettings(input.ticket.id, input.settings);
  startPositionUpdates(q, input.ticket.id, now);
  q.store.setPlan(input.ticket.id, input.steps);
  q.store.resumeTimers(input.ticket.id, input.timers);
  q.store.schedule("plan_step", String(input.ticket.id), now + input.timeoutS * 1000);
  q.dispatch(now);
  q.publish(now);
}

/** Wait For The Assigned Queue: a ticket nobody takes in time follows the action plan (if the queue has one). */
export function startQueueWait(q: QueueHost, ticketId: number, now: number) {
  const { actionPlan, waitForAssignedQueueS } = q.store.config();
  if (actionPlan.steps.length === 0 && actionPlan.timeRules.length === 0) return;
  if (q.store.ticket(ticketId)?.plan !== null) return; // already on a plan, maybe another queue's
  q.store.schedule("queue_wait", String(ticketId), now + waitForAssignedQueueS * 1000);
}

/**
 * Sends an unheld ticket to the first of `steps`: an agent here (only they are offered it for the
 * step's time), this queue, or another queue (handed over: it moves there in D1 and its object
 * takes the rest of the plan along). After the last step the ticket stays where it is.
 */
export async function followPlan(q: QueueHost, row: TicketRow, steps: readonly PlanStep[], now: number): Promise<void> {
  const [step, ...rest] = steps;
  if (!step) return;
  const ref = String(row.id);
  const to = step.to;
  if ("agentId" in to || to.queueId === q.queueId) {
    withdrawRing(q, row.id, now);
    q.store.setPlan(row.id, rest);
    if ("agentId" in to) q.store.reserve(row.id, to.agentId, now + step.timeoutS * 1000);
    q.store.schedule("plan_step", ref, now + step.timeoutS * 1000);
    return;
  }
  // Out of this object and recorded as on its way in one step: nobody here can take it, and it is
  // delivered until the next queue has it (without that queue, it stays here for the next step).
  withdrawRing(q, row.id, now);
  const timers = q.store.conversationTimers(row.id);
  q.store.removeTicket(row.id);
  const input = { moveId: crypto.randomUUID(), ticket: row.view, preview: row.preview, steps: rest, timeoutS: step.timeoutS, settings: row.settings, timers };
  await handOver(q, to.queueId, { kind: "planned", input }, row.enqueued_at);
}

/** Closes the ticket's open offers (the ring in progress) and puts it back to waiting. */
function withdrawRing(q: QueueHost, ticketId: number, now: number) {
  const offerees = q.store.offerees(ticketId);
  if (offerees.length === 0) return;
  q.store.requeue(ticketId);
  q.store.cancelTimer("offer_expiry", String(ticketId));
  for (const agentId of offerees) q.send(agentId, { type: "offer.withdrawn", ticketId, reason: "rerouted" }, now);
}

/** Leave When Empty: with no agent logged in, tickets waiting here (and not on a plan already) follow the action plan now. */
export async function leaveIfEmpty(q: QueueHost, now: number) {
  const config = q.store.config();
  const empty = () => !q.store.agents().some((a) => a.connected);
  if (!config.leaveWhenEmpty || !empty()) return;
  for (const { id } of q.store.unheldTickets()) {
    // Each move awaits D1 and the next queue: an agent may have come and the ticket been taken meanwhile.
    if (!empty()) return;
    const row = q.store.ticket(id);
    if (row && row.state !== "assigned" && row.plan === null) await followPlan(q, row, planStepsAt(config.actionPlan, now), now);
  }
}

/**
 * Priority across queues: while tickets wait here with no offer open, this queue claims its online
 * agents; queues of lower priority sharing them make no offers to them until the claim is lifted.
 * Sent only when the claim changes (and refreshed by the sweep, as claims lapse unrefreshed).
 */
export function announceDemand(q: QueueHost, now: number, opts: { everyPeer?: boolean; refresh?: boolean } = {}) {
  const config = q.store.config();
  // Nobody to tell (no lower-priority queue shares an agent, as read lately): the claim is not even
  // worked out, so a queue alone costs nothing per event however many agents it has. The claim last
  // told stays recorded; once a peer appears, the next change or refresh tells it.
  if (!opts.everyPeer && noPeersBelow(q, now, config.priority)) return;
  // Tickets anyone here could be offered: not those reserved for one agent, and none where agents pick.
  const waiting = !config.closeAutoAssign && q.store.waitingTickets().some((t) => t.sticky_until === null || t.sticky_until <= now);
  const agentIds = waiting ? q.store.agents().filter((a) => isAvailable(q, a.id, a)).map((a) => a.id) : [];
  const claim: PeerClaim | null = agentIds.length > 0 ? { priority: config.priority, agentIds, validUntil: now + Math.max(3 * config.periodToCheckS, 120) * 1000 } : null;
  const signature = hashOf(`${config.priority}|${agentIds.join(",")}`);
  const changed = signature !== q.store.stat("demand_sig");
  if (!changed && !opts.everyPeer && !(opts.refresh && claim)) return;
  q.store.setStat("demand_sig", signature);
  const from = q.queueId;
  q.ctx.waitUntil(
    peers(q, now, opts.everyPeer ? null : config.priority)
      .then((peers) => Promise.all(peers.map((id) => q.env.QUEUE_OBJECT.getByName(id).peerDemand(from, claim))))
      .catch((err) => console.error("could not tell peer queues of this queue's demand", err)),
  );
}

function noPeersBelow(q: QueueHost, now: number, priority: number): boolean {
  const c = q.peerCache;
  return c !== undefined && c.priority === priority && now - c.at < PEERS_TTL_MS && c.ids.length === 0;
}

/** Queues sharing a member with this one (of lower priority than `below`, unless null), from D1, briefly cached. */
async function peers(q: QueueHost, now: number, below: number | null): Promise<string[]> {
  const c = q.peerCache;
  if (c && c.priority === below && now - c.at < PEERS_TTL_MS) return c.ids;
  const ids = await peerQueues(q.env.DB, q.queueId, below);
  q.peerCache = { at: now, priority: below, ids };
  return ids;
}
