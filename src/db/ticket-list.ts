import type { TicketRow, TicketStatus } from "./tickets";

/** A ticket as the list reads it: every column but `current`, the preview's message id and `created_max_at`. */
export type TicketListRow = Omit<TicketRow, "current" | "previewMessageId" | "createdMaxAt">;

/** An SQL condition on the ticket `t`, whose values it binds through `param` (which returns the placeholder). */
export type TicketCondition = (param: (value: unknown) => string) => string;

export type TicketListFilter = {
  /** Only tickets of these queues; undefined for every queue. */
  queueIds?: readonly string[];
  status?: TicketStatus;
  /** Any further condition (the search's, `src/db/ticket-search.ts`), applied in every walk. */
  where?: TicketCondition;
  /** Walk the tickets with this tag (`ticket_tags`) instead of every ticket; only without `queueIds`. */
  tag?: string;
  /** Tickets with an id below this one (the previous page's last id). */
  before?: number;
  limit: number;
};

const COLUMNS = [
  ...["id", "account_id", "contact_id", "queue_id", "status", "assignee_id", "subject", "tags", "disposition", "closed_by", "created_at", "updated_at", "last_message_at", "closed_at"],
  ...["inbound_count", "first_reply_at", "preview_body", "preview_kinds", "escalated_at", "contact_name", "contact_handle", "contact_username"],
]
  .map((c) => `t.${c} AS ${c.replace(/_(\w)/g, (_, l: string) => l.toUpperCase())}`)
  .join(", ");

// D1 allows at most this many SELECTs in one compound SELECT.
export const MERGED_QUEUES = 5;
// From this many queues a page walks them in one statement instead (see `ticketPageQueries`).
export const WALKED_QUEUES = 2 * MERGED_QUEUES + 1;

/** The queues a user is a member of. */
export async function memberQueueIds(d1: D1Database, userId: string): Promise<string[]> {
  const { results } = await d1.prepare("SELECT queue_id FROM queue_members WHERE user_id = ?1").bind(userId).all<{ queue_id: string }>();
  return results.map((r) => r.queue_id);
}

/** Newest first; returns one more than `limit` so the caller knows whether a next page exists. */
export async function listTickets(d1: D1Database, f: TicketListFilter): Promise<TicketListRow[]> {
  if (f.queueIds?.length === 0) return [];
  const statements = ticketPageQueries(f).map(({ sql, params }) => d1.prepare(sql).bind(...params));
  const pages = statements.length === 1 ? [await statements[0]!.all<StoredRow>()] : await d1.batch<StoredRow>(statements);
  return pages
    .flatMap((p) => p.results)
    .sort((a, b) => b.id - a.id)
    .slice(0, f.limit + 1)
    .map((r) => ({ ...r, tags: JSON.parse(r.tags) as string[], previewKinds: JSON.parse(r.previewKinds) as string[] }));
}

type StoredRow = Omit<TicketListRow, "tags" | "previewKinds"> & { tags: string; previewKinds: string };

/**
 * The page's statements, run in one batch and merged newest first. They read in proportion to
 * the page, however many tickets there are:
 * - every ticket: the table in id order;
 * - up to `MERGED_QUEUES` queues a statement: one SELECT per queue through `(queue_id, id)` (or
 *   `(queue_id, status)`, whose entries end with the id too; by status alone `(status, id)`) in
 *   one compound SELECT, which SQLite answers by merging the walks in id order and stopping at the
 *   limit: about a row per ticket returned and one per queue, so a page of up to
 *   `2 * MERGED_QUEUES` queues reads at most about twice its size;
 * - from `WALKED_QUEUES` queues: one recursive walk whose queue is ordered by id and holds each
 *   queue's next ticket: it takes the newest and puts the next of that queue in its place through
 *   the same indexes: about three rows per ticket returned and two per queue.
 */
export function ticketPageQueries(f: TicketListFilter): { sql: string; params: unknown[] }[] {
  const queues = f.queueIds;
  if (queues === undefined) return [f.tag === undefined ? mergedQuery(f, [null]) : taggedQuery(f, f.tag)];
  if (queues.length >= WALKED_QUEUES) return [walkQuery(f, queues)];
  const chunks: string[][] = [];
  for (let i = 0; i < queues.length; i += MERGED_QUEUES) chunks.push(queues.slice(i, i + MERGED_QUEUES));
  return chunks.map((chunk) => mergedQuery(f, chunk));
}

function conditions(f: TicketListFilter) {
  const params: unknown[] = [f.limit + 1];
  const param = (value: unknown) => `?${params.push(value)}`;
  const status = f.status === undefined ? "" : ` AND t.status = ${param(f.status)}`;
  const beforeParam = f.before === undefined ? undefined : param(f.before);
  const before = beforeParam === undefined ? "" : ` AND t.id < ${beforeParam}`;
  const where = f.where === undefined ? "" : ` AND (${f.where(param)})`;
  return { params, param, status: status + where, before, beforeParam };
}

/** A tag's tickets newest first, through `ticket_tags` (tag, ticket_id): about two rows per ticket returned. */
function taggedQuery(f: TicketListFilter, tag: string) {
  const { params, param, status, beforeParam } = conditions(f);
  const before = beforeParam === undefined ? "" : ` AND tt.ticket_id < ${beforeParam}`;
  const sql = `SELECT ${COLUMNS} FROM ticket_tags tt CROSS JOIN tickets t ON t.id = tt.ticket_id
    WHERE tt.tag = ${param(tag)}${before}${status} ORDER BY tt.ticket_id DESC LIMIT ?1`;
  return { sql, params };
}

/** One SELECT per queue (`null`: no queue condition), merged newest first, at most `limit + 1` rows. */
function mergedQuery(f: TicketListFilter, queues: readonly (string | null)[]) {
  const { params, param, status, before } = conditions(f);
  const arms = queues.map((q) => `SELECT ${COLUMNS} FROM tickets t WHERE ${q === null ? "1" : `t.queue_id = ${param(q)}`}${status}${before}`);
  return { sql: `${arms.join(" UNION ALL ")} ORDER BY id DESC LIMIT ?1`, params };
}

function walkQuery(f: TicketListFilter, queues: readonly string[]) {
  const { params, param, status, before } = conditions(f);
  const next = (queue: string, below: string) => `(SELECT max(t.id) FROM tickets t WHERE t.queue_id = ${queue}${status}${below})`;
  const sql = `WITH RECURSIVE walk(id, queue_id) AS (
      SELECT * FROM (SELECT ${next("q.value", before)} AS id, q.value AS queue_id FROM json_each(${param(JSON.stringify(queues))}) q) WHERE id IS NOT NULL
      UNION ALL
      SELECT ${next("w.queue_id", " AND t.id < w.id")}, w.queue_id FROM walk w WHERE w.id IS NOT NULL
      ORDER BY 1 DESC LIMIT ?1)
    SELECT ${COLUMNS} FROM walk w CROSS JOIN tickets t ON t.id = w.id`;
  return { sql, params };
}
