import { and, desc, eq, lt, sql, type SQL } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import type { AuditAction, AuditEntityType } from "../kinds/audit";
import { auditLog } from "./schema";
import { openDb, type Db } from "./database";

export type AuditEntry = {
  actorId: string | null;
  action: AuditAction;
  entityType: AuditEntityType;
  entityId: string;
  /** Never secrets: names of changed fields, not their values, for anything sealed or hashed. */
  details?: Record<string, unknown>;
};

/** The audit row of a change; `audited` writes it in the same batch as the change itself. */
export const auditInsert = (db: Db, e: AuditEntry) => db.insert(auditLog).values({ ...e, details: e.details ?? null });

/** Runs the writes and their audit entry as one D1 batch (one transaction): the entry exists only if they all applied. Answers every statement's result, the entry's last. */
export function audited<T extends Readonly<[BatchItem<"sqlite">, ...BatchItem<"sqlite">[]]>>(db: Db, writes: T, entry: AuditEntry) {
  return db.batch<BatchItem<"sqlite">, [...T, ReturnType<typeof auditInsert>]>([...writes, auditInsert(db, entry)]);
}

export type AuditFilter = {
  entityType?: string;
  entityId?: string;
  actorId?: string;
  action?: string;
  /** Epoch ms, inclusive. */
  from?: number;
  to?: number;
  before?: number;
  limit: number;
};

/**
 * A page of entries newest first (`limit + 1`: the extra one says a next page exists). Each filter
 * has an index that holds its entries in id order (migration 0018), so a page reads about a page of
 * rows; a time range becomes a range of ids first (entries are written in time order), through
 * the index on `at`, and is checked on each entry as well.
 */
export function listAudit(db: Db, f: AuditFilter) {
  return auditPageQuery(db, f).all();
}

/** The query `listAudit` runs. */
export function auditPageQuery(db: Db, f: AuditFilter) {
  const where: SQL[] = [];
  if (f.entityType) where.push(eq(auditLog.entityType, f.entityType));
  if (f.entityId) where.push(eq(auditLog.entityId, f.entityId));
  if (f.actorId) where.push(eq(auditLog.actorId, f.actorId));
  if (f.action) where.push(eq(auditLog.action, f.action));
  // The unary plus keeps `at` itself off its index: the page walks ids, bounded by the range's.
  if (f.from !== undefined) {
    where.push(sql`+${auditLog.at} >= ${f.from}`);
    where.push(sql`${auditLog.id} >= coalesce((SELECT x.id FROM audit_log x WHERE x.at >= ${f.from} ORDER BY x.at, x.id LIMIT 1), 9223372036854775807)`);
  }
  // One upper bound on the id, so that the walk starts at the page's first entry whatever else holds.
  const toBound = f.to === undefined ? undefined : sql`coalesce((SELECT x.id FROM audit_log x WHERE x.at <= ${f.to} ORDER BY x.at DESC, x.id DESC LIMIT 1), 0)`;
  if (f.to !== undefined) where.push(sql`+${auditLog.at} <= ${f.to}`);
  if (toBound && f.before !== undefined) where.push(sql`${auditLog.id} <= min(${toBound}, ${f.before - 1})`);
  else if (toBound) where.push(sql`${auditLog.id} <= ${toBound}`);
  else if (f.before !== undefined) where.push(lt(auditLog.id, f.before));
  return db
    .select()
    .from(auditLog)
    .where(and(...where))
    .orderBy(desc(auditLog.id))
    .limit(f.limit + 1);
}

/** Records a change made outside the API (a supervisor's command over the socket). */
export async function recordAudit(d1: D1Database, e: AuditEntry) {
  await auditInsert(openDb(d1), e);
}

/** The audit entry of a ticket's subject and tags changed through the API, for the same batch: written only if the change applied (the ticket's `updated_at` is `now`). */
export function ticketUpdateAudit(d1: D1Database, actorId: string, ticketId: number, change: unknown, now: number): D1PreparedStatement {
  return d1
    .prepare(
      "INSERT INTO audit_log (actor_id, action, entity_type, entity_id, details) SELECT ?1, 'ticket.update', 'ticket', ?2, ?3 WHERE EXISTS (SELECT 1 FROM tickets WHERE id = ?4 AND updated_at = ?5)",
    )
    .bind(actorId, String(ticketId), JSON.stringify(change), ticketId, now);
}

/** The audit entry of a ticket closed through the API, for the same batch: written only if this close applied (closed by `actorId` at `now`). */
export function ticketCloseAudit(d1: D1Database, actorId: string, ticketId: number, disposition: string | null, now: number): D1PreparedStatement {
  return d1
    .prepare(
      "INSERT INTO audit_log (actor_id, action, entity_type, entity_id, details) SELECT ?1, 'ticket.close', 'ticket', ?2, ?3 WHERE EXISTS (SELECT 1 FROM tickets WHERE id = ?4 AND closed_by IS ?1 AND closed_at = ?5)",
    )
    .bind(actorId, String(ticketId), JSON.stringify({ disposition }), ticketId, now);
}
