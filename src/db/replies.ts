import type { MessageView } from "../kinds/views";
import { messageViewFromRow, type MessageRow } from "./message-view";
import { extrasFromRows, ticketExtrasStatement, type TicketExtras } from "./agent-views";
import { OUTBOUND_JOINED_RETURNING, withJoined, type OutboundJoined, type OutboundRow } from "./outbox";

// What an agent's actions write to D1. The queue object calls these and re-checks its own state after.

/**
 * What storing an agent's message gives: the message (`created` false when a re-sent frame found
 * it stored already; `enqueue` when it is queued and must be put on the outbox Queue), a refusal
 * when its client id names another kind of message, or null when the ticket is closed.
 */
export type StoreOutcome = { message: MessageView; created: boolean; enqueue?: boolean } | { refused: "client_msg_id_taken" } | null;

/**
 * A new reply stored already claimed for its first send (`sending`, one attempt), with what the
 * send needs (`delivery`), read by the statement that stores it: the caller sends it at once and
 * records the outcome (`deliverClaimed` in `src/outbox/deliver.ts`). If that attempt never happens,
 * the claim's lease runs out and the outbox sweep settles it, as it does a consumer's attempt that died.
 */
export type StoredReply = { message: MessageView; created: true; delivery: OutboundRow };

/**
 * Stores a new reply, claimed for its first send, in one D1 round trip; a reply re-sent with the
 * same client id returns the stored one — queued again when it had failed and `resend` asks for
 * it. A stored reply still queued is put on the Queue again (harmless: a delivery claims its row
 * first), in case its first Queue message was lost.
 */
export async function storeReply(
  d1: D1Database,
  r: { ticketId: number; authorId: string; text: string; clientMsgId: string; resend?: boolean },
  now = Date.now(),
): Promise<StoredReply | StoreOutcome> {
  // The message's insert trigger moves the ticket's last_message_at (migration 0021). What the send
  // needs comes back with the stored row, read for it in the same statement.
  const [inserted] = await d1.batch<MessageRow & Omit<OutboundRow, keyof OutboundJoined> & { joined: string }>([
    d1
      .prepare(
        `INSERT INTO messages (account_id, ticket_id, conversation_id, direction, author_id, body, client_msg_id, status, claimed_at, attempts, created_at, updated_at)
         SELECT t.account_id, t.id, v.id, 'out', ?2, ?3, ?4, 'sending', ?5, 1, ?5, ?5
         FROM tickets t LEFT JOIN conversations v ON v.ticket_id = t.id AND v.open = 1
         WHERE t.id = ?1 AND t.status != 'closed'
         ON CONFLICT DO NOTHING
         RETURNING id, ticket_id, direction, body, attachments, status, status_reason, author_id, created_at, edited_at, deleted_at, reaction,
           client_msg_id, claimed_at, attempts, provider_message_id, account_id, ${OUTBOUND_JOINED_RETURNING}`,
      )
      .bind(r.ticketId, r.authorId, r.text, r.clientMsgId, now),
  ]);
  const row = inserted?.results[0];
  // The claim is the delivery's own business: to its author the reply is queued until the outcome is known.
  if (row) return { message: { ...messageViewFromRow(row), status: "queued" }, created: true, delivery: withJoined(row) };
  const existing = await d1
    .prepare("SELECT * FROM messages WHERE ticket_id = ?1 AND client_msg_id = ?2")
    .bind(r.ticketId, r.clientMsgId)
    .first<MessageRow>();
  if (!existing) return null;
  if (existing.direction !== "out") return { refused: "client_msg_id_taken" };
  if (existing.status === "failed" && r.resend) {
    // A new send: the old attempt's provider id and count no longer describe it.
    const again = await d1
      .prepare(
        `UPDATE messages SET status = 'queued', status_reason = NULL, provider_message_id = NULL, claimed_at = NULL, attempts = 0, updated_at = ?2
         WHERE id = ?1 AND status = 'failed' RETURNING *`,
      )
      .bind(existing.id, now)
      .first<MessageRow>();
    if (again) return { message: messageViewFromRow(again), created: false, enqueue: true };
  }
  return { message: messageViewFromRow(existing), created: false, enqueue: existing.status === "queued" };
}

/**
 * Stores an agent's internal note: direction `note`, status `received`, never queued for delivery.
 * A note re-sent with the same client id returns the stored one.
 */
export async function storeNote(
  d1: D1Database,
  n: { ticketId: number; authorId: string; text: string; clientMsgId: string },
  now = Date.now(),
): Promise<StoreOutcome> {
  const row = await d1
    .prepare(
      `INSERT INTO messages (account_id, ticket_id, conversation_id, direction, author_id, body, client_msg_id, status, created_at, updated_at)
       SELECT t.account_id, t.id, v.id, 'note', ?2, ?3, ?4, 'received', ?5, ?5
       FROM tickets t LEFT JOIN conversations v ON v.ticket_id = t.id AND v.open = 1
       WHERE t.id = ?1 AND t.status != 'closed'
       ON CONFLICT DO NOTHING
       RETURNING *`,
    )
    .bind(n.ticketId, n.authorId, n.text, n.clientMsgId, now)
    .first<MessageRow>();
  if (row) return { message: messageViewFromRow(row), created: true };
  const existing = await d1
    .prepare("SELECT * FROM messages WHERE ticket_id = ?1 AND client_msg_id = ?2")
    .bind(n.ticketId, n.clientMsgId)
    .first<MessageRow>();
  if (!existing) return null;
  if (existing.direction !== "note") return { refused: "client_msg_id_taken" };
  return { message: messageViewFromRow(existing), created: false };
}

export type EditRefusal = "not_found" | "not_sent_yet";

/** Replaces a sent reply's text, keeping the old text as a revision. */
export async function storeAgentEdit(
  d1: D1Database,
  e: { ticketId: number; messageId: number; text: string },
  now = Date.now(),
): Promise<{ message: MessageView } | { refused: EditRefusal }> {
  const current = await d1
    .prepare("SELECT * FROM messages WHERE id = ?1 AND ticket_id = ?2 AND direction = 'out'")
    .bind(e.messageId, e.ticketId)
    .first<MessageRow & { provider_message_id: string | null }>();
  if (!current) return { refused: "not_found" };
  if (!current.provider_message_id) return { refused: "not_sent_yet" };
  const [, updated] = await d1.batch<MessageRow>([
    d1
      .prepare("INSERT INTO message_revisions (message_id, body, replaced_at) SELECT id, body, ?2 FROM messages WHERE id = ?1")
      .bind(e.messageId, now),
    d1
      .prepare("UPDATE messages SET body = ?2, edited_at = ?3, updated_at = ?3 WHERE id = ?1 RETURNING *")
      .bind(e.messageId, e.text, now),
  ]);
  return { message: messageViewFromRow(updated!.results[0]!) };
}

export async function markAssigned(d1: D1Database, ticketId: number, agentId: string, now = Date.now()) {
  await markAssignedStatement(d1, ticketId, agentId, now).run();
}

function markAssignedStatement(d1: D1Database, ticketId: number, agentId: string, now: number) {
  return d1.prepare("UPDATE tickets SET status = 'assigned', assignee_id = ?2, updated_at = ?3, assigned_at = coalesce(assigned_at, ?3) WHERE id = ?1 AND status != 'closed'").bind(ticketId, agentId, now);
}

/**
 * An agent takes a ticket (an accept, a pick, a transfer to them), in one D1 round trip: the
 * ticket is marked theirs, and what their desk is shown with it is read — its latest messages
 * (`ticketHistory`) and what their view of it adds (`ticketExtras`).
 */
export async function assignTicket(
  d1: D1Database,
  ticketId: number,
  agentId: string,
  now = Date.now(),
): Promise<{ messages: MessageView[]; extras: TicketExtras | undefined }> {
  // Read apart: one statement giving every message row the ticket's extras measured dearer than a third.
  const [, history, extras] = await d1.batch([
    markAssignedStatement(d1, ticketId, agentId, now),
    ticketHistoryStatement(d1, ticketId, HISTORY_LIMIT),
    ticketExtrasStatement(d1, [ticketId], agentId),
  ]);
  return { messages: historyFromRows(history?.results ?? []), extras: extrasFromRows(extras?.results ?? [], now).get(ticketId) };
}

/**
 * Closes the ticket and its open conversation, recording who closed it and the disposition they
 * chose; the contact's next message opens a new ticket. False when it was closed already.
 */
export async function closeTicket(
  d1: D1Database,
  ticketId: number,
  c: { closedBy: string | null; disposition?: string | null },
  now = Date.now(),
  /** Written in the same transaction, only when this call closed the ticket (an audit row). */
  also: D1PreparedStatement[] = [],
): Promise<boolean> {
  const [closed] = await d1.batch([
    d1
      .prepare(
        "UPDATE tickets SET status = 'closed', current = NULL, closed_at = ?2, updated_at = ?2, closed_by = ?3, disposition = ?4 WHERE id = ?1 AND status != 'closed' RETURNING id",
      )
      .bind(ticketId, now, c.closedBy, c.disposition ?? null),
    d1
      .prepare("UPDATE conversations SET open = NULL, ended_at = ?2, end_reason = 'ticket_closed' WHERE ticket_id = ?1 AND open = 1")
      .bind(ticketId, now),
    ...also,
  ]);
  return (closed?.results.length ?? 0) > 0;
}

/** How many of a ticket's latest messages a newly assigned agent is shown. */
const HISTORY_LIMIT = 50;

type HistoryRow = MessageRow & { tr_language: string | null; tr_text: string | null; tr_source: string | null };

/** The latest messages of a ticket, oldest first, internal notes included: what a newly assigned agent is shown. */
export async function ticketHistory(d1: D1Database, ticketId: number, limit = HISTORY_LIMIT): Promise<MessageView[]> {
  const { results } = await ticketHistoryStatement(d1, ticketId, limit).all<HistoryRow>();
  return historyFromRows(results);
}

/** Newest first, each message with its translation (one a message, its primary key): `historyFromRows` turns them around. */
function ticketHistoryStatement(d1: D1Database, ticketId: number, limit: number) {
  return d1
    .prepare(
      `SELECT m.id, m.ticket_id, m.direction, m.body, m.attachments, m.status, m.status_reason, m.author_id, m.created_at, m.edited_at,
         m.deleted_at, m.reaction, m.client_msg_id, mt.language AS tr_language, mt.text AS tr_text, mt.source_language AS tr_source
       FROM messages m LEFT JOIN message_translations mt ON mt.message_id = m.id
       WHERE m.ticket_id = ?1 ORDER BY m.id DESC LIMIT ?2`,
    )
    .bind(ticketId, limit);
}

/** The history's rows, newest first, as views oldest first. */
function historyFromRows(rows: readonly unknown[]): MessageView[] {
  return (rows as HistoryRow[]).toReversed().map((row) => {
    const view = messageViewFromRow(row);
    if (row.tr_language !== null && row.tr_text !== null) view.translation = { language: row.tr_language, text: row.tr_text, sourceLanguage: row.tr_source };
    return view;
  });
}

/** Takes tickets back from their agent (gone, or too slow to answer): open again, nobody's. */
export async function releaseTickets(d1: D1Database, ticketIds: readonly number[], now = Date.now()) {
  if (ticketIds.length === 0) return;
  await d1
    .prepare("UPDATE tickets SET status = 'open', assignee_id = NULL, updated_at = ?2 WHERE id IN (SELECT value FROM json_each(?1)) AND status = 'assigned'")
    .bind(JSON.stringify(ticketIds), now)
    .run();
}

export type ConversationEnd = "idle_session_timeout" | "session_timeout" | "message_timeout" | "customer_silent";

/**
 * Ends the ticket's open conversation. With `closeTicket` the ticket closes too; otherwise it stays
 * open with nobody holding it, and the customer's next message opens a new conversation that is
 * routed again. A `notice` is stored as a system message and returned, to be sent to the customer.
 */
export async function endConversation(
  d1: D1Database,
  e: { ticketId: number; reason: ConversationEnd; closeTicket: boolean; notice?: string },
  now = Date.now(),
): Promise<{ ended: boolean; notice: MessageView | null }> {
  const statements = [
    d1
      .prepare("UPDATE conversations SET open = NULL, ended_at = ?2, end_reason = ?3 WHERE ticket_id = ?1 AND open = 1 RETURNING id")
      .bind(e.ticketId, now, e.reason),
    e.closeTicket
      ? d1.prepare("UPDATE tickets SET status = 'closed', current = NULL, closed_at = ?2, updated_at = ?2 WHERE id = ?1 AND status != 'closed'").bind(e.ticketId, now)
      : d1.prepare("UPDATE tickets SET status = 'open', assignee_id = NULL, updated_at = ?2 WHERE id = ?1 AND status != 'closed'").bind(e.ticketId, now),
  ];
  if (e.notice) {
    statements.push(
      d1
        .prepare(
          `INSERT INTO messages (account_id, ticket_id, direction, body, status, created_at, updated_at)
           SELECT account_id, id, 'system', ?2, 'queued', ?3, ?3 FROM tickets WHERE id = ?1 RETURNING *`,
        )
        .bind(e.ticketId, e.notice, now),
    );
  }
  const results = await d1.batch<MessageRow>(statements);
  const noticeRow = e.notice ? results[2]?.results[0] : undefined;
  return { ended: (results[0]?.results.length ?? 0) > 0, notice: noticeRow ? messageViewFromRow(noticeRow) : null };
}

/**
 * Contact Message Timeout: the ticket is marked escalated (a tag supervisors and reports see) and
 * `escalated_at` records the first time, which the search's `escalated` reads even if the tag is taken off.
 */
export async function markEscalated(d1: D1Database, ticketId: number, now = Date.now()) {
  const tagged = "EXISTS (SELECT 1 FROM json_each(tags) WHERE value = 'escalated')";
  await d1
    .prepare(
      `UPDATE tickets SET tags = CASE WHEN ${tagged} THEN tags ELSE json_insert(tags, '$[#]', 'escalated') END,
         escalated_at = coalesce(escalated_at, ?2), updated_at = ?2
       WHERE id = ?1 AND (escalated_at IS NULL OR NOT ${tagged})`,
    )
    .bind(ticketId, now)
    .run();
}
