import { and, asc, count, eq } from "drizzle-orm";
import { channelAccounts, tickets } from "./schema";
import type { Db } from "./database";

export type AccountRow = typeof channelAccounts.$inferSelect;
export type NewAccount = typeof channelAccounts.$inferInsert;

export const listAccounts = (db: Db) =>
  db.select().from(channelAccounts).orderBy(asc(channelAccounts.name), asc(channelAccounts.id)).all();

export const getAccount = (db: Db, id: string) => db.select().from(channelAccounts).where(eq(channelAccounts.id, id)).get();

export const insertAccount = (db: Db, row: NewAccount) => db.insert(channelAccounts).values(row).returning();

export const updateAccount = (db: Db, id: string, patch: Partial<Omit<NewAccount, "id" | "createdAt">>) =>
  db.update(channelAccounts).set(patch).where(eq(channelAccounts.id, id)).returning();

export const deleteAccount = (db: Db, id: string) => db.delete(channelAccounts).where(eq(channelAccounts.id, id));

export async function countAccountTickets(db: Db, accountId: string): Promise<number> {
  const row = await db.select({ n: count() }).from(tickets).where(eq(tickets.accountId, accountId)).get();
  return row?.n ?? 0;
}

export async function accountExists(db: Db, id: string): Promise<boolean> {
  return (await db.select({ id: channelAccounts.id }).from(channelAccounts).where(eq(channelAccounts.id, id)).get()) !== undefined;
}

/** Writes `patch` only if nobody changed the account since `row` was read; undefined when somebody did. */
export async function updateAccountUnchanged(db: Db, row: Pick<AccountRow, "id" | "updatedAt">, patch: Partial<Omit<NewAccount, "id" | "createdAt">>) {
  const [updated] = await db
    .update(channelAccounts)
    .set({ ...patch, updatedAt: Math.max(Date.now(), row.updatedAt + 1) })
    .where(and(eq(channelAccounts.id, row.id), eq(channelAccounts.updatedAt, row.updatedAt)))
    .returning();
  return updated;
}
