import { statusRank, statusRankSql } from "../domain/status";
import type { InboundEvent } from "../providers/types";
import type { MessageView } from "../kinds/views";
import { receipt } from "./ingest";
import { messageViewFromRow, type MessageRow } from "./message-view";
import { webhookBatch, type WebhookAccount } from "./webhook-batch";

// Provider events about messages already in the history: unsends, echoes, delivery reports,
// reactions. Each runs in one D1 batch guarded by the event's receipt, like ingest.ts.

type Event<K extends InboundEvent["kind"]> = Extract<InboundEvent, { kind: K }>;

/** A message an event changed, with where to tell about it. */
export type ChangedMessage = {
  message: MessageView;
  queueId: string;
  ticketStatus: "open" | "assigned" | "closed";
  assigneeId: string | null;
};

export type ReportOutcome = { result: "stored" | "duplicate" | "unknown_message"; changed: ChangedMessage[] };

const GUARD = "NOT EXISTS (SELECT 1 FROM inbound_events WHERE account_id = ?1 AND event_key = ?2)";

/** The customer unsent a message: body, attachments, earlier versions and translation leave the history; the fact stays. */
export async function ingestDelete(d1: D1Database, account: WebhookAccount, ev: Event<"delete">, now = Date.now()): Promise<ReportOutcome> {
  const target = "account_id = ?1 AND provider_message_id = ?3 AND direction = 'in' AND deleted_at IS NULL";
  const stmt = (q: string, ...more: unknown[]) => d1.prepare(q).bind(account.id, ev.eventKey, ev.providerMessageId, ...more);
  const batch = await webhookBatch(d1, account, [
    stmt(`DELETE FROM message_revisions WHERE message_id = (SELECT id FROM messages WHERE ${target}) AND ${GUARD}`),
    stmt(`DELETE FROM message_translations WHERE message_id = (SELECT id FROM messages WHERE ${target}) AND ${GUARD}`),
    stmt(`UPDATE messages SET body = '', attachments = '[]', deleted_at = ?4, updated_at = ?4 WHERE ${target} AND ${GUARD} RETURNING id`, ev.deletedAt),
    receipt(d1, account.id, ev.eventKey, now),
    selectByProviderId(d1, account.id, ev.providerMessageId),
  ], now);
  return outcome(batch[2], batch.at(-1));
}

/** The customer reacted to a message (or took the reaction back). */
export async function ingestReaction(d1: D1Database, account: WebhookAccount, ev: Event<"reaction">, now = Date.now()): Promise<ReportOutcome> {
  const batch = await webhookBatch(d1, account, [
    d1
      .prepare(`UPDATE messages SET reaction = ?4, updated_at = ?5 WHERE account_id = ?1 AND provider_message_id = ?3 AND ${GUARD} RETURNING id`)
      .bind(account.id, ev.eventKey, ev.providerMessageId, ev.action === "react" ? ev.emoji : null, now),
    receipt(d1, account.id, ev.eventKey, now),
    selectByProviderId(d1, account.id, ev.providerMessageId),
  ], now);
  return outcome(batch[0], batch.at(-1));
}

/**
 * A delivery report. It moves the status forward only; `cumulative` (read receipts) also marks
 * every earlier outbound message to the same contact read. One D1 batch: the changed messages come
 * back from their updates with their tickets' queue, status and assignee.
 */
export async function ingestStatus(d1: D1Database, account: WebhookAccount, ev: Event<"status">, now = Date.now()): Promise<ReportOutcome> {
  return (await ingestStatuses(d1, account, [ev], now))[0]!;
}

/** Delivery reports of one webhook, each stored as `ingestStatus` stores it, in order, in one D1 batch. */
export async function ingestStatuses(d1: D1Database, account: WebhookAccount, evs: Event<"status">[], now = Date.now()): Promise<ReportOutcome[]> {
  const parts = evs.map((ev) => statusStatements(d1, account, ev, now));
  const batch = await webhookBatch(d1, account, parts.flatMap((p) => p.statements), now);
  let at = 0;
  return parts.map((p) => p.outcome(batch.slice(at, (at += p.statements.length))));
}

function statusStatements(d1: D1Database, account: WebhookAccount, ev: Event<"status">, now: number) {
  const rank = statusRank[ev.status];
  const reason = ev.status === "failed" ? (ev.reason ?? "failed") : null;
  const one = d1
    .prepare(
      `UPDATE messages SET status = ?4, status_reason = ?5, updated_at = ?6
       WHERE account_id = ?1 AND provider_message_id = ?3 AND direction = 'out' AND ${statusRankSql} < ?7 AND ${GUARD}
       RETURNING ${CHANGED}`,
    )
    .bind(account.id, ev.eventKey, ev.providerMessageId, ev.status, reason, now, rank);
  const earlier = d1
    .prepare(
      `UPDATE messages SET status = 'read', status_reason = NULL, updated_at = ?4
       WHERE direction = 'out' AND ${statusRankSql} < ${statusRank.read}
         AND id < (SELECT id FROM messages WHERE account_id = ?1 AND provider_message_id = ?3)
         AND ticket_id IN (SELECT t.id FROM tickets t WHERE t.contact_id =
               (SELECT t2.contact_id FROM tickets t2 JOIN messages m ON m.ticket_id = t2.id WHERE m.account_id = ?1 AND m.provider_message_id = ?3))
         AND ${GUARD}
       RETURNING ${CHANGED}`,
    )
    .bind(account.id, ev.eventKey, ev.providerMessageId, now);
  // A report for an id no message has yet (the send's answer is still on its way) waits for it.
  const early = d1
    .prepare(
      `INSERT INTO pending_statuses (account_id, provider_message_id, status, reason, at)
       SELECT ?1, ?3, ?4, ?5, ?6 WHERE NOT EXISTS (SELECT 1 FROM messages WHERE account_id = ?1 AND provider_message_id = ?3) AND ${GUARD}
       ON CONFLICT DO NOTHING`,
    )
    .bind(account.id, ev.eventKey, ev.providerMessageId, ev.status, reason, now);
  const known = d1.prepare("SELECT 1 FROM messages WHERE account_id = ?1 AND provider_message_id = ?2").bind(account.id, ev.providerMessageId);
  const updates = ev.cumulative && ev.status === "read" ? [earlier, one] : [one];
  return {
    statements: [...updates, early, receipt(d1, account.id, ev.eventKey, now), known],
    outcome(results: D1Result<Record<string, unknown>>[]): ReportOutcome {
      const rows = updates.flatMap((_, i) => results[i]?.results ?? []).sort((a, b) => Number(a.id) - Number(b.id));
      if (rows.length === 0) return { result: results.at(-1)?.results.length ? "duplicate" : "unknown_message", changed: [] };
      return { result: "stored", changed: rows.map(changedOf) };
    },
  };
}

/**
 * A message the business account sent itself. A reply the hub sent is reconciled: matched by
 * provider id, or — when the echo outruns the send's own answer — by the same text to the same
 * contact still awaiting its provider id. One sent from the provider's app is recorded as outbound
 * on the contact's current ticket (the contact found by address when the provider names none).
 * Either way the history holds it once.
 */
export async function ingestEcho(d1: D1Database, account: WebhookAccount, ev: Event<"echo">, now = Date.now()): Promise<ReportOutcome> {
  const known = "EXISTS (SELECT 1 FROM messages WHERE account_id = ?1 AND provider_message_id = ?3)";
  const byAddress = ev.contactBy === "address";
  // By address, the contact seen last wins (one conversation's customer named two ways). A contact
  // whose address is its external id is found by that; the address index holds only the others (0020).
  const contact = byAddress
    ? `(SELECT id FROM (SELECT id, last_seen_at FROM contacts WHERE account_id = ?1 AND external_id = ?4 AND address = ?4
                       UNION ALL SELECT id, last_seen_at FROM contacts WHERE account_id = ?1 AND address = ?4 AND address != external_id)
        ORDER BY last_seen_at DESC, id DESC LIMIT 1)`
    : "(SELECT id FROM contacts WHERE account_id = ?1 AND external_id = ?4)";
  const currentTicket = `(SELECT t.id FROM tickets t WHERE t.contact_id = ${contact} AND t.current = 1)`;
  const who = byAddress ? ev.contact.address : ev.contact.externalId;
  const stmt = (q: string, ...more: unknown[]) => d1.prepare(q).bind(account.id, ev.eventKey, ev.providerMessageId, who, ...more);
  const sameReplyLately = `EXISTS (SELECT 1 FROM messages WHERE ticket_id = ${currentTicket} AND direction = 'out' AND author_id IS NOT NULL AND body = ?5 AND created_at >= ?9)`;
  const isHubReply = async () => (await stmt(`SELECT ${sameReplyLately} AS hit`, ev.text, null, null, null, now - DERIVED_ECHO_WINDOW_MS).first<{ hit: number }>())?.hit === 1;
  const batch = await webhookBatch(d1, account, [
    stmt(
      `UPDATE messages SET provider_message_id = ?3, updated_at = ?6
       WHERE id = (SELECT id FROM messages WHERE ticket_id = ${currentTicket} AND direction = 'out' AND provider_message_id IS NULL
                   AND status IN ('queued', 'sending') AND body = ?5 ORDER BY id LIMIT 1)
         AND NOT ${known} AND ${GUARD}
       RETURNING id`,
      ev.text,
      now,
    ),
    stmt(
      `INSERT INTO messages (account_id, ticket_id, conversation_id, direction, body, attachments, provider_message_id, status, sent_at, created_at, updated_at)
       SELECT ?1, t.id, v.id, 'out', ?5, ?6, ?3, 'sent', ?7, ?8, ?8
       FROM tickets t LEFT JOIN conversations v ON v.ticket_id = t.id AND v.open = 1
       WHERE t.id = ${currentTicket} AND NOT ${known} AND ${GUARD}${ev.idDerived ? ` AND NOT ${sameReplyLately}` : ""}
       ON CONFLICT DO NOTHING RETURNING id`,
      ev.text,
      JSON.stringify(ev.attachments),
      ev.sentAt,
      now,
      ...(ev.idDerived ? [now - DERIVED_ECHO_WINDOW_MS] : []),
    ),
    receipt(d1, account.id, ev.eventKey, now),
    selectByProviderId(d1, account.id, ev.providerMessageId),
  ], now);
  const recorded = (batch[1]?.results.length ?? 0) > 0;
  const found = batch.at(-1)?.results[0];
  // A derived id names no stored message when the echo was taken for a reply of the hub's.
  if (!found) return { result: ev.idDerived && (await isHubReply()) ? "duplicate" : "unknown_message", changed: [] };
  // An echo of a reply the hub already tracks changes nothing an agent needs to see.
  return { result: recorded ? "stored" : "duplicate", changed: recorded ? [changedOf(found)] : [] };
}

/** How long after the hub sent a reply an echo without a provider id of its own is taken for it. */
const DERIVED_ECHO_WINDOW_MS = 10 * 60_000;

/** A changed message as an update returns it, with what `changedOf` needs of its ticket. */
const CHANGED = `*, (SELECT t.queue_id FROM tickets t WHERE t.id = messages.ticket_id) AS t_queue_id,
                   (SELECT t.status FROM tickets t WHERE t.id = messages.ticket_id) AS t_status,
                   (SELECT t.assignee_id FROM tickets t WHERE t.id = messages.ticket_id) AS t_assignee_id`;

const JOINED = `SELECT m.*, t.queue_id AS t_queue_id, t.status AS t_status, t.assignee_id AS t_assignee_id
                FROM messages m JOIN tickets t ON t.id = m.ticket_id`;

function selectByProviderId(d1: D1Database, accountId: string, providerMessageId: string) {
  return d1.prepare(`${JOINED} WHERE m.account_id = ?1 AND m.provider_message_id = ?2`).bind(accountId, providerMessageId);
}

function outcome(update: D1Result<Record<string, unknown>> | undefined, select: D1Result<Record<string, unknown>> | undefined): ReportOutcome {
  const row = select?.results[0];
  if (!row) return { result: "unknown_message", changed: [] };
  if (!update?.results.length) return { result: "duplicate", changed: [] };
  return { result: "stored", changed: [changedOf(row)] };
}

function changedOf(row: Record<string, unknown>): ChangedMessage {
  const r = row as MessageRow & { t_queue_id: string; t_status: ChangedMessage["ticketStatus"]; t_assignee_id: string | null };
  return { message: messageViewFromRow(r), queueId: r.t_queue_id, ticketStatus: r.t_status, assigneeId: r.t_assignee_id };
}
