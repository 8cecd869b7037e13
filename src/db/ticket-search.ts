import type { Condition, SearchField } from "../domain/search-conditions";
import { previewOf } from "../domain/ring";
import { caseFolds, foldCase, ftsQuery } from "../domain/search-text";
import { listTickets, type TicketCondition, type TicketListRow } from "./ticket-list";

// The ticket list's filters and the search's conditions as SQL on the ticket `t`, every value
// bound, run through the list's walks (`ticket-list.ts`) so a page stays keyset-paged by id.
// Aliases inside are `s*`, apart from the walks' `t`, `w` and `q`.

type Param = (value: unknown) => string;

/** What a text-like field is, as an SQL expression on `t`: `null` where unset. */
const textColumn: Partial<Record<SearchField, string>> = {
  status: "t.status",
  account: "t.account_id",
  queue: "t.queue_id",
  agent: "t.assignee_id",
  disposition: "t.disposition",
  subject: "t.subject",
  contactName: "t.contact_name",
};

const likeEscape = (s: string) => s.replace(/[\\%_]/g, (ch) => `\\${ch}`);

/** `expr` with case folded as `foldCase` folds a value (the capitals are constants, not input). */
const foldedSql = (expr: string) => caseFolds.reduce((e, [from, to]) => `replace(${e}, '${from}', '${to}')`, `lower(${expr})`);

/** A positive text test on `expr` (null never passes); negations wrap it. */
function textTest(expr: string, c: Condition & { value: string | string[] }, p: Param): string {
  switch (c.op) {
    case "equals":
    case "not_equals":
      return `${expr} = ${p(c.value)}`;
    case "contains":
    case "not_contains":
      return `${foldedSql(expr)} LIKE ${p(`%${likeEscape(foldCase(c.value as string))}%`)} ESCAPE '\\'`;
    case "starts_with":
      return `${foldedSql(expr)} LIKE ${p(`${likeEscape(foldCase(c.value as string))}%`)} ESCAPE '\\'`;
    case "ends_with":
      return `${foldedSql(expr)} LIKE ${p(`%${likeEscape(foldCase(c.value as string))}`)} ESCAPE '\\'`;
    case "in":
    case "not_in":
      return `${expr} IN (SELECT value FROM json_each(${p(JSON.stringify(c.value))}))`;
    default:
      throw new Error(`no text test for ${c.op}`);
  }
}

/**
 * Implied by `created_at >= from`, and what stops a page's walk: no ticket below the first whose
 * running maximum of creation times (`created_max_at`, never falling as ids rise) reaches `from`
 * was created at or after it. One index row, once per statement; NULL (nothing matches) when none.
 */
const createdFloor = (from: string) => `t.id >= (SELECT sx.id FROM tickets sx WHERE sx.created_max_at >= ${from} ORDER BY sx.created_max_at, sx.id LIMIT 1)`;

/**
 * Implied by `created_at < to`, and what starts a page's walk below the newer tickets: above the
 * last ticket whose running maximum is still before `to`, only a ticket created out of order (its
 * own time below the maximum before it; a partial index holds those) can have been created before
 * `to`. When one has, there is no ceiling.
 */
const createdCeiling = (to: string) =>
  `t.id <= (SELECT CASE WHEN EXISTS (SELECT 1 FROM tickets so WHERE so.created_at < so.created_max_at AND so.id > coalesce(u.id, 0) AND so.created_at < ${to})
     THEN 9223372036854775807 ELSE coalesce(u.id, 0) END
   FROM (SELECT (SELECT sx.id FROM tickets sx WHERE sx.created_max_at < ${to} ORDER BY sx.created_max_at DESC, sx.id DESC LIMIT 1) AS id) u)`;

const negated = (op: string) => op === "not_equals" || op === "not_contains" || op === "not_in";

function conditionSql(c: Condition, p: Param, userId: string): string {
  const { field, op } = c;
  switch (field) {
    case "messageText": {
      const match = ftsQuery((c as { value: string }).value);
      if (match === null) return "0";
      return `t.id IN (SELECT sm.ticket_id FROM messages_fts sf JOIN messages sm ON sm.id = sf.rowid WHERE messages_fts MATCH ${p(match)})`;
    }
    case "tags": {
      if (op === "is_empty") return "t.tags = '[]'";
      if (op === "is_not_empty") return "t.tags != '[]'";
      // Tags are stored as a compact JSON array of strings: a tag is there when its JSON string
      // is. A text test per ticket, where json_each would add a row per tag to what D1 counts.
      const values = op === "in" ? (c as { value: string[] }).value : [(c as { value: string }).value];
      const has = values.map((v) => `instr(t.tags, ${p(JSON.stringify(v))}) > 0`).join(" OR ");
      return op === "not_contains" ? `NOT (${has})` : `(${has})`;
    }
    case "contactHandle": {
      if (op === "is_empty") return "0";
      if (op === "is_not_empty") return "1";
      const any = (col: string) => textTest(col, c as Condition & { value: string }, p);
      const has = `(${any("t.contact_handle")} OR ${any("coalesce(t.contact_username, '')")})`;
      return negated(op) ? `NOT ${has}` : has;
    }
    case "created":
    case "closed":
    case "firstResponseSeconds": {
      // The page walks ids newest first and tests the time on each (unary + keeps SQLite from
      // sorting a range of an index instead); a created range also bounds the walk.
      const expr = field === "created" ? "+t.created_at" : field === "closed" ? "+t.closed_at" : "(t.first_reply_at - t.created_at)";
      const v = (c as { value: number | [number, number] }).value;
      switch (op) {
        case "is_empty":
          return `${expr} IS NULL`;
        case "is_not_empty":
          return `${expr} IS NOT NULL`;
        case "before":
        case "less_than":
          return `${expr} < ${p(v)}${field === "created" ? ` AND ${createdCeiling(p(v))}` : ""}`;
        case "after":
          return `${expr} >= ${p(v)}${field === "created" ? ` AND ${createdFloor(p(v))}` : ""}`;
        case "greater_than":
          return `${expr} > ${p(v)}`;
        case "equals":
          return `${expr} = ${p(v)}`;
        case "between": {
          const [from, to] = v as [number, number];
          if (field === "firstResponseSeconds") return `${expr} BETWEEN ${p(from)} AND ${p(to)}`;
          const floor = field === "created" ? ` AND ${createdFloor(p(from))} AND ${createdCeiling(p(to))}` : "";
          return `${expr} >= ${p(from)} AND ${expr} < ${p(to)}${floor}`;
        }
      }
      break;
    }
    case "unread": {
      const unread = `t.inbound_count > coalesce((SELECT sr.read_inbound FROM ticket_reads sr WHERE sr.ticket_id = t.id AND sr.user_id = ${p(userId)}), 0)`;
      return (c as { value: boolean }).value ? unread : `NOT (${unread})`;
    }
    case "contact": {
      const ids = (op === "in" || op === "not_in" ? (c as { value: string[] }).value : [(c as { value: string }).value]).map(Number).filter(Number.isInteger);
      const is = op === "equals" || op === "not_equals" ? `t.contact_id = ${p(ids[0] ?? 0)}` : `t.contact_id IN (SELECT value FROM json_each(${p(JSON.stringify(ids))}))`;
      return negated(op) ? `NOT (${is})` : is;
    }
    case "provider": {
      // The providers' accounts as one string, computed once per statement (an uncorrelated
      // subquery); each ticket is tested against it without a lookup, which D1 would count as rows.
      const providers = op === "in" || op === "not_in" ? (c as { value: string[] }).value : [(c as { value: string }).value];
      const accounts = `(SELECT ',' || group_concat(sa.id, ',') || ',' FROM channel_accounts sa WHERE sa.provider IN (SELECT value FROM json_each(${p(JSON.stringify(providers))})))`;
      const is = `instr(coalesce(${accounts}, ''), ',' || t.account_id || ',') > 0`;
      return negated(op) ? `NOT (${is})` : is;
    }
    case "escalated":
      return (c as { value: boolean }).value ? "t.escalated_at IS NOT NULL" : "t.escalated_at IS NULL";
    default: {
      const expr = textColumn[field];
      if (!expr) break;
      if (op === "is_empty") return `coalesce(${expr}, '') = ''`;
      if (op === "is_not_empty") return `coalesce(${expr}, '') != ''`;
      // A positive test on the bare column walks its index; a negation counts an unset value as "".
      if (negated(op)) return `NOT (${textTest(`coalesce(${expr}, '')`, c as Condition & { value: string }, p)})`;
      return textTest(expr, c as Condition & { value: string }, p);
    }
  }
  throw new Error(`no SQL for ${field} ${op}`);
}

/** The conditions as one condition on `t`; undefined when there are none. `userId` is the caller (for `unread`). */
export function searchCondition(conditions: readonly Condition[], match: "all" | "any", userId: string): TicketCondition | undefined {
  if (conditions.length === 0) return undefined;
  return (p) => conditions.map((c) => `(${conditionSql(c, p, userId)})`).join(match === "all" ? " AND " : " OR ");
}

/** A row of the ticket list (docs/interactions.md#the-list). */
export type TicketListItem = Omit<TicketListRow, "inboundCount" | "previewBody" | "previewKinds" | "escalatedAt"> & {
  accountName: string;
  accountShortKey: string | null;
  provider: string;
  queueName: string;
  agentName: string | null;
  unread: number;
  escalated: boolean;
  /** The last message with the customer, as an offer shows it: its first line, or its attachments' kinds. */
  preview: string;
};

export type TicketPage = { queueIds?: readonly string[]; conditions: readonly Condition[]; match: "all" | "any"; userId: string; before?: number; limit: number };

/** A page of tickets newest first, `limit + 1` at most (the extra one says a next page exists), with what a list row shows. */
export async function findTickets(d1: D1Database, f: TicketPage): Promise<TicketListItem[]> {
  const status = f.match === "all" ? soleStatus(f.conditions) : undefined;
  let rest = status === undefined ? f.conditions : f.conditions.filter((c) => c !== status.condition);
  // Queues named by conditions matched all narrow the walk: each queue walks its own index.
  let queueIds = f.queueIds;
  if (f.match === "all") {
    for (const c of rest) {
      if (c.field !== "queue" || (c.op !== "equals" && c.op !== "in")) continue;
      const named = c.op === "in" ? (c as { value: string[] }).value : [(c as { value: string }).value];
      queueIds = queueIds === undefined ? [...new Set(named)] : queueIds.filter((q) => named.includes(q));
    }
    rest = rest.filter((c) => c.field !== "queue" || (c.op !== "equals" && c.op !== "in"));
  }
  const rows = await listTickets(d1, {
    queueIds,
    tag: queueIds === undefined && f.match === "all" ? drivingTag(rest) : undefined,
    status: status?.value,
    where: searchCondition(rest, f.match, f.userId),
    before: f.before,
    limit: f.limit,
  });
  return withNames(d1, rows, f.userId);
}

/** A tag every match has (`tags contains`, or `in` one tag), for a walk through the tag's tickets; its condition stays, true of each. */
function drivingTag(conditions: readonly Condition[]): string | undefined {
  for (const c of conditions) {
    if (c.field !== "tags") continue;
    if (c.op === "contains") return (c as { value: string }).value;
    if (c.op === "in" && (c as { value: string[] }).value.length === 1) return (c as { value: string[] }).value[0];
  }
  return undefined;
}

/** A `status equals` among conditions matched all: the list walks its status index for it. */
function soleStatus(conditions: readonly Condition[]) {
  const condition = conditions.find((c) => c.field === "status" && c.op === "equals");
  if (!condition) return undefined;
  const value = (condition as { value: string }).value as TicketListRow["status"];
  return { condition, value };
}

type Named = { id: string; name: string; provider?: string; short_key?: string | null };

/** `IN (?n, …)` over the values, bound in `params`: no json_each rows for D1 to count. */
function inList(values: readonly unknown[], params: unknown[]): string {
  return `(${values.map((v) => `?${params.push(v)}`).join(", ")})`;
}

/** D1 binds at most 100 values to one statement; longer `IN` lists are split into statements of this many. */
const IN_CHUNK = 90;

/** `SELECT … IN (…)` over the values, as many statements as the binding limit needs (none for no values). */
function inStatements(d1: D1Database, sql: (list: string) => string, values: readonly unknown[], first: readonly unknown[] = []): D1PreparedStatement[] {
  const statements: D1PreparedStatement[] = [];
  for (let i = 0; i < values.length; i += IN_CHUNK) {
    const params = [...first];
    statements.push(d1.prepare(sql(inList(values.slice(i, i + IN_CHUNK), params))).bind(...params));
  }
  return statements;
}

/**
 * The caller's read marks on the page's tickets. D1 counts a row for every lookup, found or not, so
 * a page of neighbouring ids reads the caller's marks in its id range through
 * `(user_id, ticket_id)` (only marks that exist), and a sparse page looks its tickets up one by one.
 */
function readsStatements(d1: D1Database, rows: readonly TicketListRow[], userId: string): D1PreparedStatement[] {
  const ids = rows.map((r) => r.id);
  const low = Math.min(...ids);
  const high = Math.max(...ids);
  if (high - low < 2 * ids.length) {
    return [d1.prepare("SELECT ticket_id AS id, read_inbound AS n FROM ticket_reads WHERE user_id = ?1 AND ticket_id BETWEEN ?2 AND ?3").bind(userId, low, high)];
  }
  return inStatements(d1, (list) => `SELECT ticket_id AS id, read_inbound AS n FROM ticket_reads WHERE user_id = ?1 AND ticket_id IN ${list}`, ids, [userId]);
}

/**
 * Adds names and the caller's unread count to a page in one batch: the caller's read marks of the
 * page (a row for each there is) and the page's few distinct accounts, queues and agents.
 */
export async function withNames(d1: D1Database, rows: readonly TicketListRow[], userId: string): Promise<TicketListItem[]> {
  if (rows.length === 0) return [];
  const distinct = <T>(values: (T | null)[]) => [...new Set(values.filter((v): v is T => v !== null))];
  const groups = [
    inStatements(d1, (list) => `SELECT id, name, provider, short_key FROM channel_accounts WHERE id IN ${list}`, distinct(rows.map((r) => r.accountId))),
    inStatements(d1, (list) => `SELECT id, name FROM queues WHERE id IN ${list}`, distinct(rows.map((r) => r.queueId))),
    inStatements(d1, (list) => `SELECT id, display_name AS name FROM users WHERE id IN ${list}`, distinct(rows.map((r) => r.assigneeId))),
    readsStatements(d1, rows, userId),
  ];
  const results = await d1.batch<Record<string, unknown>>(groups.flat());
  let next = 0;
  const [accounts, queues, users, reads] = groups.map((group) => results.slice(next, (next += group.length)).flatMap((r) => r.results ?? []));
  const byId = <T>(found: Record<string, unknown>[] | undefined) => new Map((found ?? []).map((x) => [String(x.id), x as T]));
  const accountOf = byId<Named>(accounts);
  const queueOf = byId<Named>(queues);
  const userOf = byId<Named>(users);
  const readOf = byId<{ n: number }>(reads);
  return rows.map(({ inboundCount, previewBody, previewKinds, escalatedAt, ...r }) => {
    const account = accountOf.get(r.accountId);
    return {
      ...r,
      accountName: account?.name ?? "",
      accountShortKey: account?.short_key ?? null,
      provider: account?.provider ?? "",
      queueName: queueOf.get(r.queueId)?.name ?? "",
      agentName: r.assigneeId === null ? null : (userOf.get(r.assigneeId)?.name ?? null),
      unread: Math.max(0, inboundCount - (readOf.get(String(r.id))?.n ?? 0)),
      escalated: escalatedAt !== null,
      preview: previewOf(previewBody, previewKinds),
    };
  });
}
