import { and, asc, count, eq } from "drizzle-orm";
import { channelAccounts, queueMembers, queues, tickets, users } from "./schema";
import type { Db } from "./database";

export type QueueRow = typeof queues.$inferSelect;
export type NewQueue = typeof queues.$inferInsert;

export const listQueues = (db: Db) => db.select().from(queues).orderBy(asc(queues.name)).all();

export async function listQueuesOfMember(db: Db, userId: string): Promise<QueueRow[]> {
  const rows = await db
    .select({ queue: queues })
    .from(queueMembers)
    .innerJoin(queues, eq(queues.id, queueMembers.queueId))
    .where(eq(queueMembers.userId, userId))
    .orderBy(asc(queues.name))
    .all();
  return rows.map((r) => r.queue);
}

export const getQueue = (db: Db, id: string) => db.select().from(queues).where(eq(queues.id, id)).get();

export async function isMember(db: Db, queueId: string, userId: string): Promise<boolean> {
  const row = await db
    .select({ userId: queueMembers.userId })
    .from(queueMembers)
    .where(and(eq(queueMembers.queueId, queueId), eq(queueMembers.userId, userId)))
    .get();
  return row !== undefined;
}

export const insertQueue = (db: Db, row: NewQueue) => db.insert(queues).values(row).returning();

export const updateQueue = (db: Db, id: string, patch: Partial<Omit<NewQueue, "id" | "createdAt">>) =>
  db.update(queues).set(patch).where(eq(queues.id, id)).returning();

export const deleteQueue = (db: Db, id: string) => db.delete(queues).where(eq(queues.id, id));

/** What still points at a queue and would block deleting it. */
export async function queueDependents(db: Db, queueId: string) {
  const [accounts, ticketCount] = await db.batch([
    db.select({ id: channelAccounts.id, name: channelAccounts.name }).from(channelAccounts).where(eq(channelAccounts.queueId, queueId)),
    db.select({ n: count() }).from(tickets).where(eq(tickets.queueId, queueId)),
  ]);
  return { accounts, tickets: ticketCount[0]?.n ?? 0 };
}

const membersQuery = (db: Db) =>
  db
    .select({
      userId: users.id,
      email: users.email,
      displayName: users.displayName,
      role: users.role,
      active: users.active,
      weight: queueMembers.weight,
      addedAt: queueMembers.createdAt,
    })
    .from(queueMembers)
    .innerJoin(users, eq(users.id, queueMembers.userId));

export const listMembers = (db: Db, queueId: string) =>
  membersQuery(db).where(eq(queueMembers.queueId, queueId)).orderBy(asc(users.email)).all();

export const getMember = (db: Db, queueId: string, userId: string) =>
  membersQuery(db)
    .where(and(eq(queueMembers.queueId, queueId), eq(queueMembers.userId, userId)))
    .get();

export const insertMember = (db: Db, queueId: string, userId: string, weight?: number) =>
  db.insert(queueMembers).values({ queueId, userId, ...(weight === undefined ? {} : { weight }) });

export const setMemberWeight = (db: Db, queueId: string, userId: string, weight: number) =>
  db.update(queueMembers).set({ weight }).where(and(eq(queueMembers.queueId, queueId), eq(queueMembers.userId, userId)));

export const deleteMember = (db: Db, queueId: string, userId: string) =>
  db.delete(queueMembers).where(and(eq(queueMembers.queueId, queueId), eq(queueMembers.userId, userId)));

/** The queues a user belongs to, by name, with their weight in each. */
export const listMembershipsOfUser = (db: Db, userId: string) =>
  db
    .select({ queueId: queues.id, queueName: queues.name, weight: queueMembers.weight, addedAt: queueMembers.createdAt })
    .from(queueMembers)
    .innerJoin(queues, eq(queues.id, queueMembers.queueId))
    .where(eq(queueMembers.userId, userId))
    .orderBy(asc(queues.name))
    .all();

/** The queue's member as their socket introduces them (an active user only), or null. */
export async function activeMember(d1: D1Database, queueId: string, userId: string) {
  return d1
    .prepare(
      `SELECT u.id, u.display_name, u.capacity, m.weight FROM queue_members m JOIN users u ON u.id = m.user_id
       WHERE m.queue_id = ?1 AND m.user_id = ?2 AND u.active = 1`,
    )
    .bind(queueId, userId)
    .first<{ id: string; display_name: string; capacity: number; weight: number }>();
}
