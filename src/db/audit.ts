import { and, desc, eq, lt, type SQL } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import { auditLog } from "./schema";
import { openDb, type Db } from "./database";

export type AuditEntry = {
  actorId: string | null;
  action: string;
  entityType: string;
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

export type AuditFilter = { entityType?: string; entityId?: string; actorId?: string; before?: number; limit: number };

export function listAudit(db: Db, f: AuditFilter) {
  const where: SQL[] = [];
  if (f.entityType) where.push(eq(auditLog.entityType, f.entityType));
  if (f.entityId) where.push(eq(auditLog.entityId, f.entityId));
  if (f.actorId) where.push(eq(auditLog.actorId, f.actorId));
  if (f.before !== undefined) where.push(lt(auditLog.id, f.before));
  return db
    .select()
    .from(auditLog)
    .where(and(...where))
    .orderBy(desc(auditLog.id))
    .limit(f.limit + 1)
    .all();
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
