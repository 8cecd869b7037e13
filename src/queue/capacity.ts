// Capacity across queues: after every change this queue reports each agent whose tickets here
// changed to that agent's ledger (src/agents/agent-ledger.ts), which counts the agent's offers and
// holds in every queue. A new offer is recorded here at once but sent to the agent only once the
// ledger grants it; refused, it is withdrawn and the agent counts as full here until the ledger
// says a slot freed (`capacityFreed`). One report per changed agent: one call per offer, accept or release.
import { memberQueueCounts } from "../db/queue-object-reads";
import type { LedgerAnswer, ReportedSlot } from "../agents/agent-ledger";
import type { AgentRow } from "./store";
import type { LedgerLink, QueueHost } from "./host";
import { offerView } from "./offer-view";

/** How long past its own lapse an offer still counts in the ledger: the queue withdraws it first; this only covers a queue that failed to. */
const LEDGER_OFFER_MARGIN_MS = 60_000;

/** How long the members' number of queues is used before it is read again from D1 (in the background). */
const MEMBERSHIP_TTL_MS = 60_000;

export const newLedgerLink = (): LedgerLink => ({ sent: new Map(), waiters: new Map(), membership: undefined, loading: undefined });

const key = (agentId: string, ticketId: number) => `${agentId}\u0000${ticketId}`;

/**
 * Whether all the agent's slots are here, where this object counts them itself: a member of this
 * queue only, whose ledger last counted no slot of theirs in another queue (an offer of a queue they
 * left may still count there until its lease ends). Not known yet (a new member, D1 unread, the
 * ledger not asked yet): no.
 */
export function alone(q: QueueHost, agentId: string): boolean {
  return q.ledger.membership?.queues.get(agentId) === 1 && q.store.agent(agentId)?.elsewhere === 0;
}

/**
 * Whether a new slot of the agent's (an offer already recorded, or a pick about to be) needs their
 * ledger's grant: unless they are `alone` here and it leaves them under `limit`. Their last slot
 * under the limit is always the ledger's to grant, so that a slot elsewhere it knows of counts.
 */
export function needsGrant(q: QueueHost, agentId: string, loadAfter: number, limit: number): boolean {
  return !alone(q, agentId) || loadAfter >= limit;
}

/** Reads the members' number of queues when never read; a stale count is refreshed in the background. */
export async function ensureMembership(q: QueueHost): Promise<void> {
  const m = q.ledger.membership;
  if (!m) return loadMembership(q);
  if (Date.now() - m.at >= MEMBERSHIP_TTL_MS) q.ctx.waitUntil(loadMembership(q));
}

/** Reads the members' number of queues again, after any read under way (which may have missed a membership just added). */
export async function reloadMembership(q: QueueHost): Promise<void> {
  await q.ledger.loading;
  await loadMembership(q);
}

/** Reads every member's number of queues from D1 (one query); members now in several queues are reported to their ledgers. */
export function loadMembership(q: QueueHost): Promise<void> {
  q.ledger.loading ??= (async () => {
    const before = q.ledger.membership?.queues;
    try {
      q.ledger.membership = { at: Date.now(), queues: await memberQueueCounts(q.env.DB, q.queueId) };
    } catch (err) {
      console.error("could not read the queue's members", { queueId: q.queueId }, err);
      // Unknown counts ask the ledgers; tried again after the TTL.
      q.ledger.membership = { at: Date.now(), queues: before ?? new Map() };
      return;
    } finally {
      q.ledger.loading = undefined;
    }
    // Those now in another queue too: their ledger hears of their slots here before anything else is claimed.
    const joined = [...q.ledger.membership.queues].filter(([id, n]) => n > 1 && (before?.get(id) ?? 2) <= 1).map(([id]) => id);
    if (joined.length > 0) {
      q.store.touchAgents(joined);
      syncCapacity(q);
    }
  })();
  return q.ledger.loading;
}

/**
 * A member of this queue only whose ledger was never asked (a first connection): asked now, in the
 * background, whether they have slots elsewhere, so that their first offer need not wait on it.
 */
export function learnElsewhere(q: QueueHost, agentId: string) {
  if (q.ledger.membership?.queues.get(agentId) === 1 && q.store.agent(agentId)?.elsewhere === null && !q.ledger.sent.has(agentId)) report(q, agentId);
}

/** Reports every agent whose slots here changed since their ledger last heard (cheap when none did). */
export function syncCapacity(q: QueueHost) {
  for (const agentId of q.store.ledgerChanges((id) => !alone(q, id))) report(q, agentId);
}

/**
 * Asks the agent's ledger for one more slot — a pick, or a transfer's offer already recorded —
 * under capacity + the queue's Maximum Extra Webchat Count, counted in every queue. An agent whose
 * slots are all here is granted it here while it is not their last (see `needsGrant`).
 */
export function claimExtra(q: QueueHost, agent: AgentRow, ticketId: number, kind: "offer" | "pick"): Promise<boolean> {
  const limit = agent.capacity + q.store.config().maxExtraChats;
  const loadAfter = q.store.load(agent.id) + (q.store.hasOffer(ticketId, agent.id) ? 0 : 1);
  if (!needsGrant(q, agent.id, loadAfter, limit)) return Promise.resolve(true);
  q.store.addClaim(ticketId, agent.id, kind, limit);
  const answer = new Promise<boolean>((resolve) => q.ledger.waiters.set(key(agent.id, ticketId), resolve));
  report(q, agent.id);
  return answer;
}

function report(q: QueueHost, agentId: string) {
  const now = Date.now();
  const slots: ReportedSlot[] = q.store.slotsOf(agentId).map((s) => ({
    ticketId: s.ticketId,
    kind: s.kind,
    ...(s.limit !== null ? { limit: s.limit } : {}),
    ...(s.kind === "offer" ? { expiresAt: (s.expiresAt ?? now + 3_600_000) + LEDGER_OFFER_MARGIN_MS } : {}),
  }));
  const seq = q.store.nextLedgerSeq(now);
  q.store.reported(agentId, slots, seq);
  q.ledger.sent.set(agentId, seq);
  q.ctx.waitUntil(
    q.env.AGENT_LEDGER.getByName(agentId)
      .report({ queueId: q.queueId, seq, slots })
      .then(
        (answer) => answered(q, agentId, slots, answer),
        (err) => failed(q, agentId, slots, seq, err),
      ),
  );
}

/** The ledger's answer: granted offers go to the agent, refused ones are withdrawn and the agent counts as full. */
function answered(q: QueueHost, agentId: string, slots: ReportedSlot[], answer: LedgerAnswer) {
  if (answer.stale) return; // a later report was applied first; its answer decides
  const latest = (q.ledger.sent.get(agentId) ?? answer.seq) === answer.seq;
  if (latest) {
    q.store.setTold(agentId, answer.slots);
    if (answer.elsewhere !== undefined) q.store.setElsewhere(agentId, answer.elsewhere);
  }
  const now = Date.now();
  const refused = new Set(answer.refused);
  let decided = false;
  let withdrawn = false;
  for (const slot of slots) {
    if (slot.limit === undefined) continue;
    const claim = q.store.claim(slot.ticketId, agentId);
    // Only the latest report carrying a claim decides it.
    if (!claim || claim.granted || claim.sent_seq !== answer.seq) continue;
    const granted = !refused.has(slot.ticketId);
    decided = true;
    if (claim.kind === "pick") {
      if (granted) q.store.grantPick(slot.ticketId, agentId);
      else q.store.dropClaim(slot.ticketId, agentId);
    } else {
      q.store.dropClaim(slot.ticketId, agentId);
      if (granted) sendOffer(q, agentId, slot.ticketId, now);
      else withdrawn = withdrawRefused(q, agentId, slot.ticketId) || withdrawn;
    }
    const waiter = q.ledger.waiters.get(key(agentId, slot.ticketId));
    q.ledger.waiters.delete(key(agentId, slot.ticketId));
    waiter?.(granted);
  }
  if (refused.size > 0) q.store.markFull(agentId, answer.version);
  else q.store.markRoom(agentId, answer.version);
  if (withdrawn) q.dispatch(now); // the ticket goes to someone else
  else syncCapacity(q); // the ledger's picture may differ from ours: report again
  if (!decided) return;
  q.publish(now);
}

function failed(q: QueueHost, agentId: string, slots: ReportedSlot[], seq: number, err: unknown) {
  console.error("could not report an agent's tickets to their ledger", { queueId: q.queueId, agentId }, err);
  if (q.ledger.sent.get(agentId) !== seq) return;
  q.store.reportFailed(agentId);
  // Picks and transfers waiting on this report are refused; open offers stay unsent until a report gets through.
  for (const slot of slots) {
    const waiter = q.ledger.waiters.get(key(agentId, slot.ticketId));
    if (!waiter) continue;
    q.ledger.waiters.delete(key(agentId, slot.ticketId));
    if (q.store.claim(slot.ticketId, agentId)?.kind === "pick") q.store.dropClaim(slot.ticketId, agentId);
    waiter(false);
  }
}

/** A granted offer goes out: a ring's offer, or a colleague's transfer (sent by the transfer itself). */
export function sendOffer(q: QueueHost, agentId: string, ticketId: number, now: number) {
  const row = q.store.ticket(ticketId);
  if (!row || !q.store.hasOffer(ticketId, agentId) || row.state !== "offered") return;
  q.send(agentId, { type: "offer", ...offerView(q, row) }, now);
}

/** A refused offer closes without the agent hearing of it: they are not counted as tried. True when it was a ring's. */
function withdrawRefused(q: QueueHost, agentId: string, ticketId: number): boolean {
  const row = q.store.ticket(ticketId);
  if (!row || !q.store.hasOffer(ticketId, agentId)) return false;
  if (row.state === "assigned") {
    if (row.transfer_to === agentId) q.store.endTransfer(ticketId); // the transfer answers its sender
    return false;
  }
  if (!q.store.dropOffer(ticketId, agentId)) {
    q.store.requeue(ticketId);
    q.store.cancelTimer("offer_expiry", String(ticketId));
  }
  q.store.forgetAttempt(ticketId, agentId);
  return true;
}

/** The agent's ledger says a slot freed: they may be offered tickets here again. */
export function capacityFreed(q: QueueHost, agentId: string, version: number) {
  q.store.markRoom(agentId, version);
}
