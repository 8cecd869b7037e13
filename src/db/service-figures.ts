// What figures and reports read: the tickets created in a time range, through the creation-time indexes (migration 0015).
import { routingConfigSchema } from "../domain/routing-config";
import type { TicketTimes } from "../domain/service-figures";

export type TicketFigureRow = TicketTimes & { id: number; queueId: string; accountId: string; assigneeId: string | null };

type Row = {
  id: number;
  queue_id: string;
  account_id: string;
  assignee_id: string | null;
  created_at: number;
  assigned_at: number | null;
  first_reply_at: number | null;
  closed_at: number | null;
};

const COLUMNS = "id, queue_id, account_id, assignee_id, created_at, assigned_at, first_reply_at, closed_at";

/** Tickets created in [from, to), of one queue or of all; each read through an index, nothing outside the range. */
export async function ticketsCreatedIn(d1: D1Database, range: { from: number; to: number; queueId?: string }): Promise<TicketFigureRow[]> {
  const statement = range.queueId
    ? d1.prepare(`SELECT ${COLUMNS} FROM tickets INDEXED BY tickets_queue_id_created_at_idx WHERE queue_id = ?3 AND created_at >= ?1 AND created_at < ?2`).bind(range.from, range.to, range.queueId)
    : d1.prepare(`SELECT ${COLUMNS} FROM tickets INDEXED BY tickets_created_at_idx WHERE created_at >= ?1 AND created_at < ?2`).bind(range.from, range.to);
  const { results } = await statement.all<Row>();
  return results.map((r) => ({
    id: r.id,
    queueId: r.queue_id,
    accountId: r.account_id,
    assigneeId: r.assignee_id,
    createdAt: r.created_at,
    assignedAt: r.assigned_at,
    firstReplyAt: r.first_reply_at,
    closedAt: r.closed_at,
  }));
}

export type QueueFigureSettings = { id: string; name: string; targetS: number; timeZone: string };

/** Every queue's name, service level target and time zone (its business hours' zone, else UTC). */
export async function queueFigureSettings(d1: D1Database, queueId?: string): Promise<Map<string, QueueFigureSettings>> {
  const { results } = await (queueId ? d1.prepare("SELECT id, name, routing FROM queues WHERE id = ?1").bind(queueId) : d1.prepare("SELECT id, name, routing FROM queues")).all<{
    id: string;
    name: string;
    routing: string;
  }>();
  const out = new Map<string, QueueFigureSettings>();
  for (const r of results) {
    const routing = routingConfigSchema.safeParse(JSON.parse(r.routing));
    const config = routing.success ? routing.data : null;
    out.set(r.id, { id: r.id, name: r.name, targetS: config?.serviceLevelTargetSeconds ?? 20, timeZone: config?.businessHours?.timezone ?? "UTC" });
  }
  return out;
}

/** Names for a report's groups: accounts' and users'. */
export async function namesOf(d1: D1Database, kind: "account" | "user", ids: string[]): Promise<Map<string, string>> {
  if (ids.length === 0) return new Map();
  const sql = kind === "account" ? "SELECT id, name FROM channel_accounts WHERE id IN (SELECT value FROM json_each(?1))" : "SELECT id, display_name AS name FROM users WHERE id IN (SELECT value FROM json_each(?1))";
  const { results } = await d1.prepare(sql).bind(JSON.stringify(ids)).all<{ id: string; name: string }>();
  return new Map(results.map((r) => [r.id, r.name]));
}

/** The queue's members (offline ones too) with their names and capacity. */
export async function queueMembersOf(d1: D1Database, queueId: string) {
  const { results } = await d1
    .prepare("SELECT u.id, u.display_name AS name, u.capacity FROM queue_members m JOIN users u ON u.id = m.user_id WHERE m.queue_id = ?1 AND u.active = 1 ORDER BY u.id")
    .bind(queueId)
    .all<{ id: string; name: string; capacity: number }>();
  return results;
}
