import { asc, eq, inArray } from "drizzle-orm";
import { apiTokens, queueMembers, queues, users } from "./schema";
import type { Db } from "./database";

export type UserRow = typeof users.$inferSelect;
export type NewUser = typeof users.$inferInsert;
export type UserPatch = Partial<Omit<NewUser, "id" | "createdAt">>;

/** The users among `ids` that exist, by id. */
export async function usersByIds(db: Db, ids: readonly string[]): Promise<Map<string, UserRow>> {
  if (ids.length === 0) return new Map();
  const rows = await db.select().from(users).where(inArray(users.id, [...ids])).all();
  return new Map(rows.map((u) => [u.id, u]));
}

export function findPrincipalByTokenHash(db: Db, tokenHash: string) {
  return db
    .select({
      tokenId: apiTokens.id,
      expiresAt: apiTokens.expiresAt,
      lastUsedAt: apiTokens.lastUsedAt,
      userId: users.id,
      role: users.role,
      displayName: users.displayName,
      active: users.active,
    })
    .from(apiTokens)
    .innerJoin(users, eq(users.id, apiTokens.userId))
    .where(eq(apiTokens.tokenHash, tokenHash))
    .get();
}

export const touchToken = (db: Db, tokenId: string, at: number) =>
  db.update(apiTokens).set({ lastUsedAt: at }).where(eq(apiTokens.id, tokenId)).run();

export const insertToken = (db: Db, row: typeof apiTokens.$inferInsert) => db.insert(apiTokens).values(row);

export const deleteTokenByHash = (db: Db, tokenHash: string) =>
  db.delete(apiTokens).where(eq(apiTokens.tokenHash, tokenHash)).returning({ id: apiTokens.id });

export const deleteTokensOfUser = (db: Db, userId: string) => db.delete(apiTokens).where(eq(apiTokens.userId, userId));

/**
 * The queues whose objects may hold a socket of the user: the queues they are a member of, and
 * for a user who may watch queues (supervisors, admins) every queue.
 */
export async function queuesWithSocketsOf(db: Db, userId: string, watchesQueues: boolean): Promise<string[]> {
  const rows = watchesQueues
    ? await db.select({ id: queues.id }).from(queues).all()
    : await db.select({ id: queueMembers.queueId }).from(queueMembers).where(eq(queueMembers.userId, userId)).all();
  return rows.map((r) => r.id);
}

export const findUserByEmail = (db: Db, email: string) => db.select().from(users).where(eq(users.email, email)).get();

export const getUser = (db: Db, id: string) => db.select().from(users).where(eq(users.id, id)).get();

export const listUsers = (db: Db) => db.select().from(users).orderBy(asc(users.email)).all();

export const insertUser = (db: Db, row: NewUser) => db.insert(users).values(row).returning();

export const updateUser = (db: Db, id: string, patch: UserPatch) =>
  db.update(users).set(patch).where(eq(users.id, id)).returning();

export const deleteUser = (db: Db, id: string) => db.delete(users).where(eq(users.id, id));
