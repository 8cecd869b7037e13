import { eq, lte, sql } from "drizzle-orm";
import type { Db } from "./database";
import { apiTokens, socketTickets, users } from "./schema";

/**
 * Stores a ticket's hash for the session of the token whose hash is `tokenHash`, found in the same
 * statement; false when that token is gone (revoked since the request was authenticated).
 */
export async function insertSocketTicket(db: Db, row: { ticketHash: string; tokenHash: string; expiresAt: number }) {
  const { meta } = await db
    .insert(socketTickets)
    .select(
      db
        .select({ ticketHash: sql<string>`${row.ticketHash}`.as("ticket_hash"), tokenId: apiTokens.id, expiresAt: sql<number>`${row.expiresAt}`.as("expires_at") })
        .from(apiTokens)
        .where(eq(apiTokens.tokenHash, row.tokenHash)),
    )
    .run();
  return meta.changes === 1;
}

/**
 * Takes the ticket with this hash out of D1 and returns what it stood for: the user and the token
 * it was asked with. One batch (one round trip, one transaction): the read and the delete see the
 * same row, and of two requests presenting the same ticket only one gets it back from the delete.
 * `taken` is false when no row was deleted; expiry and the user's state are the caller's to judge.
 */
export async function takeSocketTicket(db: Db, ticketHash: string) {
  const [found, deleted] = await db.batch([
    db
      .select({
        // D1's batch answers rows as objects: columns of the same name (id, expires_at) are aliased apart.
        expiresAt: socketTickets.expiresAt,
        tokenId: sql<string>`${apiTokens.id}`.as("token_id"),
        tokenExpiresAt: sql<number | null>`${apiTokens.expiresAt}`.as("token_expires_at"),
        userId: users.id,
        role: users.role,
        displayName: users.displayName,
        active: users.active,
      })
      .from(socketTickets)
      .innerJoin(apiTokens, eq(apiTokens.id, socketTickets.tokenId))
      .innerJoin(users, eq(users.id, apiTokens.userId))
      .where(eq(socketTickets.ticketHash, ticketHash)),
    db.delete(socketTickets).where(eq(socketTickets.ticketHash, ticketHash)).returning({ ticketHash: socketTickets.ticketHash }),
  ]);
  const row = found[0];
  return row && deleted.length === 1 ? row : null;
}

/** Deletes tickets that expired at or before `now`: the cron trigger's tidy-up; a used ticket is already gone. */
export async function pruneSocketTickets(db: Db, now: number) {
  const { meta } = await db.delete(socketTickets).where(lte(socketTickets.expiresAt, now)).run();
  return meta.changes;
}
