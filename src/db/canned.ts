import { and, asc, eq, inArray, or, type SQL } from "drizzle-orm";
import { cannedAnswers, channelAccounts, queueMembers } from "./schema";
import type { Db } from "./database";

export type CannedRow = typeof cannedAnswers.$inferSelect;

/** The variables a canned answer may use: what is known once an agent holds the ticket. */
export const cannedVariables = ["contact.name", "contact.firstName", "ticket.id", "queue.name", "agent.name", "account.name"] as const;

/** Accounts whose queue the user belongs to: their canned answers are the user's to read. */
const accountsOfMember = (db: Db, userId: string) =>
  db
    .select({ id: channelAccounts.id })
    .from(channelAccounts)
    .innerJoin(queueMembers, eq(queueMembers.queueId, channelAccounts.queueId))
    .where(eq(queueMembers.userId, userId));

export type CannedFilter = {
  /** "global" or an account id: only that scope. */
  scope?: string;
  /** Answers usable on this account: its own and the global ones. */
  accountId?: string;
  /** Only what this agent may read: global ones and those of accounts of their queues. */
  visibleTo?: string;
};

export function listCanned(db: Db, f: CannedFilter) {
  const where: (SQL | undefined)[] = [];
  if (f.scope) where.push(eq(cannedAnswers.scope, f.scope));
  if (f.accountId) where.push(inArray(cannedAnswers.scope, ["global", f.accountId]));
  if (f.visibleTo) where.push(or(eq(cannedAnswers.scope, "global"), inArray(cannedAnswers.scope, accountsOfMember(db, f.visibleTo))));
  return db
    .select()
    .from(cannedAnswers)
    .where(and(...where))
    .orderBy(asc(cannedAnswers.shortcut), asc(cannedAnswers.scope))
    .all();
}

export const getCanned = (db: Db, id: string) => db.select().from(cannedAnswers).where(eq(cannedAnswers.id, id)).get();

export async function isVisibleTo(db: Db, row: CannedRow, userId: string): Promise<boolean> {
  if (row.scope === "global") return true;
  const found = await db
    .select({ id: channelAccounts.id })
    .from(channelAccounts)
    .innerJoin(queueMembers, eq(queueMembers.queueId, channelAccounts.queueId))
    .where(and(eq(queueMembers.userId, userId), eq(channelAccounts.id, row.scope)))
    .get();
  return found !== undefined;
}

export const insertCanned = (db: Db, row: typeof cannedAnswers.$inferInsert) => db.insert(cannedAnswers).values(row).returning();

export const updateCanned = (db: Db, id: string, patch: Partial<Pick<CannedRow, "scope" | "shortcut" | "body" | "updatedAt">>) =>
  db.update(cannedAnswers).set(patch).where(eq(cannedAnswers.id, id)).returning();

export const deleteCanned = (db: Db, id: string) => db.delete(cannedAnswers).where(eq(cannedAnswers.id, id));

/**
 * The answer an agent's `canned` reply on a ticket of `accountId` means: the account's own answer
 * with that shortcut, else the global one; with the name of the ticket's queue, for rendering.
 */
export async function findCannedFor(d1: D1Database, q: { accountId: string; shortcut: string; queueId: string }): Promise<{ body: string; queueName: string } | null> {
  const row = await d1
    .prepare(
      `SELECT c.body, (SELECT name FROM queues WHERE id = ?3) AS queue_name FROM canned_answers c
       WHERE c.shortcut = ?2 AND c.scope IN (?1, 'global')
       ORDER BY c.scope = 'global' LIMIT 1`,
    )
    .bind(q.accountId, q.shortcut, q.queueId)
    .first<{ body: string; queue_name: string | null }>();
  return row ? { body: row.body, queueName: row.queue_name ?? "" } : null;
}
