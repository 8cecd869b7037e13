// What the outbox sweep reads and writes: replies a crash left `queued` or `sending`. Every query
// here walks `messages_queued_updated_at_idx` or
// `messages_sending_updated_at_idx` (only messages in that state) and stops at a limit.

export type OutboxRef = { id: number; ticketId: number };

/** Queued messages untouched since ?1 with no attempt yet, or untouched since ?2; at most ?3. */
export const STRANDED_QUEUED_SQL = `SELECT id FROM messages
  WHERE status = 'queued' AND updated_at < ?1 AND (attempts = 0 OR updated_at < ?2) AND direction IN ('out', 'system')
  ORDER BY updated_at LIMIT ?3`;

/** Messages claimed (`sending`) before ?1; at most ?2. */
export const EXPIRED_CLAIMS_SQL = `SELECT id FROM messages
  WHERE status = 'sending' AND updated_at < ?1 AND direction IN ('out', 'system')
  ORDER BY updated_at LIMIT ?2`;

/**
 * Takes up to `limit` queued outbound messages no attempt has touched since `before` (or since
 * `staleBefore`, whatever their attempts), oldest first, and marks them touched now, so the next
 * sweep leaves them a fresh grace. Their Queue message may never have been sent; sending another
 * is harmless, as a delivery claims its row first.
 */
export async function takeStrandedQueued(d1: D1Database, o: { before: number; staleBefore: number; limit: number }, now: number): Promise<OutboxRef[]> {
  const { results } = await d1
    .prepare(`UPDATE messages SET updated_at = ?4 WHERE id IN (${STRANDED_QUEUED_SQL}) RETURNING id, ticket_id`)
    .bind(o.before, o.staleBefore, o.limit, now)
    .all<{ id: number; ticket_id: number }>();
  return results.map((r) => ({ id: r.id, ticketId: r.ticket_id })).sort((a, b) => a.id - b.id);
}

/** Up to `limit` outbound messages claimed (`sending`) before `before` that never reported back, oldest first. */
export async function expiredClaims(d1: D1Database, o: { before: number; limit: number }): Promise<number[]> {
  const { results } = await d1
    .prepare(EXPIRED_CLAIMS_SQL)
    .bind(o.before, o.limit)
    .all<{ id: number }>();
  return results.map((r) => r.id);
}

/**
 * Settles a claim that outlived its lease, only if it is still that claim (`claimedAt`): back to
 * `queued` to be sent again, or `failed` with `reason`. False when the attempt finished meanwhile.
 */
export async function settleExpiredClaim(
  d1: D1Database,
  c: { id: number; claimedAt: number | null; to: "queued" | "failed"; reason: string },
  now: number,
): Promise<boolean> {
  const settled = await d1
    .prepare(
      `UPDATE messages SET status = ?3, status_reason = ?4, claimed_at = NULL, updated_at = ?5
       WHERE id = ?1 AND status = 'sending' AND claimed_at IS ?2 RETURNING id`,
    )
    .bind(c.id, c.claimedAt, c.to, c.reason, now)
    .first();
  return settled !== null;
}
