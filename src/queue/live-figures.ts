// The queue's figures for supervisors: live ones from the object's state, today's from D1 (src/db/service-figures.ts).
import { queueMembersOf, ticketsCreatedIn } from "../db/service-figures";
import { groupedFigures, midnightIn, serviceFigures } from "../domain/service-figures";
import type { AgentStatus, QueueStats } from "./protocol";
import type { QueueHost } from "./host";

export async function queueStats(q: QueueHost, now: number): Promise<QueueStats> {
  const config = q.store.config();
  const timeZone = config.businessHours?.timezone ?? "UTC";
  const since = midnightIn(timeZone, now);
  const targetS = config.serviceLevelTargetSeconds;
  const [rows, members] = await Promise.all([ticketsCreatedIn(q.env.DB, { from: since, to: now + 1, queueId: q.queueId }), queueMembersOf(q.env.DB, q.queueId)]);
  const tickets = rows.map((r) => ({ ...r, targetS }));

  const waiting = q.store.unheldTickets();
  const oldest = waiting.reduce((min, t) => Math.min(min, t.enqueued_at), now);
  const offersInFlight = waiting.reduce((n, t) => n + q.store.offerees(t.id).length, 0);

  // Members (offline ones too, from D1) and whoever is connected here.
  const live = new Map(q.store.agents().map((a) => [a.id, a]));
  const people = new Map(members.map((m) => [m.id, { id: m.id, name: m.name, capacity: m.capacity }]));
  for (const a of live.values()) if (a.connected && !people.has(a.id)) people.set(a.id, { id: a.id, name: a.name, capacity: a.capacity });
  const byAgent = new Map(groupedFigures(tickets.filter((t) => t.assigneeId !== null), (t) => t.assigneeId!).map((g) => [g.key, g.figures]));
  const agents = [...people.values()].map((p) => {
    const row = live.get(p.id);
    const status: AgentStatus = row ? q.store.status(row) : "offline";
    return { id: p.id, name: row?.name ?? p.name, status, load: row ? q.store.load(p.id) : 0, capacity: row?.capacity ?? p.capacity, today: byAgent.get(p.id) ?? serviceFigures([], targetS) };
  });
  const agentsByState = { online: 0, away: 0, offline: 0 };
  for (const a of agents) agentsByState[a.status]++;

  return {
    queueId: q.queueId,
    at: now,
    timeZone,
    since,
    waiting: waiting.length,
    longestWaitS: Math.round((now - oldest) / 1000),
    offersInFlight,
    agentsByState,
    load: agents.reduce((n, a) => n + a.load, 0),
    capacity: agents.reduce((n, a) => n + (a.status === "offline" ? 0 : a.capacity), 0),
    today: serviceFigures(tickets, targetS),
    agents,
  };
}
