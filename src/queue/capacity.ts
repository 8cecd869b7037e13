// Capacity across queues: after every change this queue reports each agent whose tickets here
// changed to that agent's ledger (src/agents/agent-ledger.ts), which counts the agent's offers and
// holds in every queue. A new offer is recorded here at once but sent to the agent only once the
// ledger grants it; refused, it is withdrawn and the agent counts as full here until the ledger
// says a slot freed (`capacityFreed`). One report per changed agent: one call per offer, accept or release.
import type { LedgerAnswer, ReportedSlot } from "../agents/agent-ledger";
import type { AgentRow } from "./store";
import type { QueueHost } from "./host";
import { offerView } from "./dispatch";

/** How long past its own lapse an offer still counts in the ledger: the queue withdraws it first; this only covers a queue that failed to. */
const LEDGER_OFFER_MARGIN_MS = 60_000;

/** What the object keeps in memory for its reports: the latest sent per agent, and picks and transfers awaiting an answer. */
export type LedgerLink = { sent: Map<string, number>; waiters: Map<string, (granted: boolean) => void> };

export const newLedgerLink = (): LedgerLink => ({ sent: new Map(), waiters: new Map() });

const key = (agentId: string, ticketId: number) => `${agentId}\u0000${ticketId}`;

/** Reports every agent whose slots here changed since their ledger last heard (cheap when none did). */
export function syncCapacity(q: QueueHost) {
  for (const agentId of q.store.ledgerChanges()) report(q, agentId);
}

/**
 * Asks the agent's ledger for one more slot — a pick, or a transfer's offer already recorded —
 * under capacity + the queue's Maximum Extra Webchat Count, counted in every queue.
 */
export function claimExtra(q: QueueHost, agent: AgentRow, ticketId: number, kind: "offer" | "pick"): Promise<boolean> {
  q.store.addClaim(ticketId, agent.id, kind, agent.capacity + q.store.config().maxExtraChats);
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
  if (latest) q.store.setTold(agentId, answer.slots);
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
  q.armAlarm();
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
function sendOffer(q: QueueHost, agentId: string, ticketId: number, now: number) {
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
