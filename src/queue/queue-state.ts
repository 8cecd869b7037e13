// The queue's state for supervisors: published after every change, and the snapshot.
import type { QueueState } from "./protocol";
import { OBSERVER_TAG, socketsOf, type QueueHost } from "./host";
import type { AgentRow } from "./store";
import { estimate } from "./customer-notices";
import { announceDemand } from "./between-queues";

export function queueState(q: QueueHost, now: number): QueueState {
  const seq = (q.store.stat("state_seq") ?? 0) + 1;
  q.store.setStat("state_seq", seq);
  const config = q.store.config();
  const pace = q.store.stat("pace_ms");
  return {
    type: "queue.state",
    seq,
    at: now,
    config: { strategy: config.strategy, closeAutoAssign: config.closeAutoAssign, priority: config.priority, leaveWhenEmpty: config.leaveWhenEmpty },
    agents: q.store.agents().map((a) => ({
      ...agentSummary(q, a),
      holding: q.store.heldBy(a.id).map((t) => t.id),
      offered: q.store.offeredTo(a.id).map((t) => t.id),
    })),
    waiting: q.store.unheldTickets().map((t, i) => ({
      ticketId: t.id,
      contact: (t.view).contact.name,
      position: i + 1,
      ageS: Math.round((now - t.enqueued_at) / 1000),
      estimateS: estimate(q, i + 1),
      offeredTo: q.store.offerees(t.id),
      escalated: t.escalated === 1,
      onPlan: t.plan !== null,
    })),
    claimedByHigherPriority: [...q.store.claimedAgents(config.priority, now)].filter((id) => q.store.agent(id)),
    paceS: pace === null ? null : Math.round(pace / 1000),
  };
}

function agentSummary(q: QueueHost, a: AgentRow) {
  return { id: a.id, name: a.name, status: q.store.status(a), capacity: a.capacity, load: q.store.load(a.id) };
}

/** After every change: peer queues hear of a changed claim, watching supervisors get the queue's state. */
export function publish(q: QueueHost, now: number) {
  announceDemand(q, now);
  const observers = q.ctx.getWebSockets(OBSERVER_TAG);
  if (observers.length === 0) return;
  const text = JSON.stringify(queueState(q, now));
  for (const ws of observers) {
    try {
      ws.send(text);
    } catch {
      // closing
    }
  }
}

/** State as a supervisor sees it; also what tests look at. */
export async function snapshot(q: QueueHost) {
  return {
    config: q.store.config(),
    agents: q.store.agents().map((a) => ({ ...agentSummary(q, a), sockets: socketsOf(q, a.id).length })),
    tickets: q.store.allTickets().map((t) => ({
      id: t.id,
      state: t.state,
      agentId: t.agent_id,
      offeredTo: q.store.offerees(t.id),
      offerExpiresAt: t.offer_expires_at,
      enqueuedAt: t.enqueued_at,
    })),
    timers: q.store.timers(),
  };
}
