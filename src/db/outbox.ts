import { currentRankSql, reportRankSql } from "../domain/status";
import type { MessageStatus } from "../kinds/message";
import type { ProviderKind } from "../providers/types";

// What delivering an outbound message reads and writes in D1: the message with everything its
// send needs (one read), its claim, and its outcome (one batch). The sweep's queries walk
// `messages_queued_updated_at_idx` or `messages_sending_updated_at_idx` (only messages in that
// state) and stop at a limit.

/** An outbound message with its ticket's contact, its account (credentials still sealed) and its author's name. */
export type OutboundRow = {
  id: number;
  ticket_id: number;
  body: string;
  status: MessageStatus;
  status_reason: string | null;
  claimed_at: number | null;
  attempts: number;
  author_id: string | null;
  /** The agent's id for a reply (null for the hub's own messages). */
  client_msg_id: string | null;
  provider_message_id: string | null;
  account_id: string;
  account_key: string;
  account_status: "active" | "pending" | "error";
  provider: ProviderKind;
  last_inbound_at: number | null;
  settings: string;
  credentials: string;
  queue_id: string;
  address: string;
  direction: "out" | "system";
  /** The account's conversation settings (JSON): how the author's name is shown. */
  conversation: string;
  /** The author's users.display_name, for an agent's reply. */
  author_name: string | null;
};

/** `OutboundRow`s of the messages `where` picks (its parameters start at ?1). */
const outboundSql = (where: string) => `
  SELECT m.id, m.ticket_id, m.body, m.status, m.status_reason, m.claimed_at, m.attempts, m.author_id, m.client_msg_id, m.provider_message_id, m.direction,
         a.id AS account_id, a.key AS account_key, a.status AS account_status, a.provider, a.settings, a.credentials, t.queue_id, c.address,
         a.conversation, u.display_name AS author_name,
         (SELECT max(coalesce(i.sent_at, i.created_at)) FROM messages i JOIN tickets it ON it.id = i.ticket_id
          WHERE it.contact_id = t.contact_id AND i.direction = 'in') AS last_inbound_at
  FROM messages m JOIN tickets t ON t.id = m.ticket_id JOIN contacts c ON c.id = t.contact_id
  JOIN channel_accounts a ON a.id = m.account_id
  LEFT JOIN users u ON u.id = m.author_id
  WHERE ${where} AND m.direction IN ('out', 'system')`;

/** What `outboundSql` joins to a message. */
export type OutboundJoined = Pick<OutboundRow, "account_key" | "account_status" | "provider" | "settings" | "credentials" | "conversation" | "queue_id" | "address" | "author_name" | "last_inbound_at">;

/**
 * What `outboundSql` joins to a message, as one column (`joined`, a JSON object: one read of each
 * row) of the RETURNING of a statement that writes the message, which has its own columns
 * (`storeReply`'s insert). `withJoined` makes the two an `OutboundRow`.
 */
export const OUTBOUND_JOINED_RETURNING = `(SELECT json_object('account_key', a.key, 'account_status', a.status, 'provider', a.provider,
     'settings', a.settings, 'credentials', a.credentials, 'conversation', a.conversation, 'queue_id', t.queue_id, 'address', c.address,
     'author_name', u.display_name,
     'last_inbound_at', (SELECT max(coalesce(i.sent_at, i.created_at)) FROM messages i JOIN tickets it ON it.id = i.ticket_id
                         WHERE it.contact_id = t.contact_id AND i.direction = 'in'))
   FROM tickets t JOIN contacts c ON c.id = t.contact_id JOIN channel_accounts a ON a.id = messages.account_id
   LEFT JOIN users u ON u.id = messages.author_id
   WHERE t.id = messages.ticket_id) AS joined`;

export function withJoined<T extends { joined: string }>(row: T): Omit<T, "joined"> & OutboundJoined {
  const { joined, ...own } = row;
  return { ...own, ...(JSON.parse(joined) as OutboundJoined) };
}

/** The outbound message `id` as its delivery reads it. */
export function outboundStatement(d1: D1Database, id: number): D1PreparedStatement {
  return d1.prepare(outboundSql("m.id = ?1")).bind(id);
}

export async function loadOutbound(d1: D1Database, id: number): Promise<OutboundRow | null> {
  return outboundStatement(d1, id).first<OutboundRow>();
}

/**
 * Claims a queued message for one send attempt (`queued` → `sending`) and reads it, in one round
 * trip. `claimed` says whether the claim was this call's; the row is null when there is no such
 * outbound message.
 */
export async function claimOutbound(d1: D1Database, id: number, now: number): Promise<{ claimed: boolean; row: OutboundRow | null }> {
  const [claim, loaded] = await d1.batch<OutboundRow>([
    d1
      .prepare(
        "UPDATE messages SET status = 'sending', claimed_at = ?2, attempts = attempts + 1, updated_at = ?2 WHERE id = ?1 AND status = 'queued' AND direction IN ('out', 'system') RETURNING id",
      )
      .bind(id, now),
    outboundStatement(d1, id),
  ]);
  return { claimed: (claim?.results.length ?? 0) > 0, row: loaded?.results[0] ?? null };
}

/** A retryable failure: the claim is given back (`queued`, with the reason), only while it is still ours. */
export async function releaseClaim(d1: D1Database, id: number, reason: string, now: number): Promise<void> {
  await d1
    .prepare("UPDATE messages SET status = 'queued', status_reason = ?2, claimed_at = NULL, updated_at = ?3 WHERE id = ?1 AND status = 'sending'")
    .bind(id, reason, now)
    .run();
}

/** What a send attempt ended with. */
export type SendOutcome =
  | { status: "sent"; providerMessageId: string }
  | { status: "failed"; reason: string; credentialsRejected?: boolean };

/**
 * What a reason starting with this marks: a claim settled as failed because its attempt died
 * mid-send. A late `sent` still replaces it.
 */
export const OUTCOME_UNKNOWN_PREFIX = "outcome unknown:";

/**
 * What a reply becomes once the provider took it (`s`): `sent`, unless a report moved it further
 * already, with its rank. A report that outran the send's answer (`p`, the furthest waiting for
 * the id) applies when it ranks above that.
 */
const SENT_NOW = `SELECT status, ${currentRankSql("status")} AS rank FROM (
    SELECT CASE WHEN status IN ('queued', 'sending') OR (status = 'failed' AND status_reason LIKE '${OUTCOME_UNKNOWN_PREFIX}%') THEN 'sent' ELSE status END AS status
    FROM messages WHERE id = ?1)`;
const PENDING_FURTHEST = `SELECT status, reason, ${reportRankSql("status")} AS rank FROM pending_statuses
    WHERE account_id = ?4 AND provider_message_id = ?2 ORDER BY rank DESC LIMIT 1`;

/**
 * Records the outcome of a send in one batch and returns the message's status after it: a status
 * callback that outran the provider's answer may have moved it further than `sent` already.
 */
export async function recordOutcome(
  d1: D1Database,
  m: { id: number; accountId: string },
  o: SendOutcome,
  now: number,
): Promise<{ status: MessageStatus; reason: string | null }> {
  if (o.status === "sent") {
    // A provider's status callback may have moved it past `sent` already: never back. A sweep that
    // took this slow attempt for a dead one learns the outcome after all. Reports that outran this
    // answer apply in the same statement, the furthest first, forward only. Setting the provider id
    // folds in an echo stored in its place and drops the reports it took up (migration 0022).
    const [updated] = await d1.batch<{ status: MessageStatus; status_reason: string | null }>([
      d1.prepare(
        `UPDATE messages SET
           status = CASE WHEN p.rank > s.rank THEN p.status ELSE s.status END,
           status_reason = CASE WHEN p.rank > s.rank THEN p.reason END,
           provider_message_id = ?2, updated_at = ?3
         FROM (${SENT_NOW}) AS s LEFT JOIN (${PENDING_FURTHEST}) AS p ON true
         WHERE messages.id = ?1
         RETURNING messages.status, messages.status_reason`,
      ).bind(m.id, o.providerMessageId, now, m.accountId),
    ]);
    const final = updated?.results[0];
    return { status: final?.status ?? "sent", reason: final?.status_reason ?? null };
  }
  await d1.batch([
    d1.prepare("UPDATE messages SET status = 'failed', status_reason = ?2, updated_at = ?3 WHERE id = ?1").bind(m.id, o.reason, now),
    d1
      .prepare("UPDATE channel_accounts SET last_delivery_error_at = ?2, last_delivery_error = ?3 WHERE id = ?1")
      .bind(m.accountId, now, o.reason),
    ...(o.credentialsRejected
      ? [
          d1
            .prepare("UPDATE channel_accounts SET status = 'error', status_reason = ?2, updated_at = ?3 WHERE id = ?1")
            .bind(m.accountId, `credentials rejected: ${o.reason}`, now),
        ]
      : []),
  ]);
  return { status: "failed", reason: o.reason };
}

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
