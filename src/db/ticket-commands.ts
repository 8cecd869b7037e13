import type { MessageView } from "../kinds/views";
import { messageViewFromRow, type MessageRow } from "./message-view";

// The customer's ticket commands (src/automations/commands.ts). Each runs in one D1 batch whose
// every statement is guarded by "this command's answer is not stored yet": the answer, a system
// message keyed `command:<messageId>`, is stored last, so a retried webhook changes nothing.

type Command = {
  contactId: number;
  /** The ticket the command message was stored in (the contact's current ticket then). */
  ticketId: number;
  commandMessageId: number;
};

const key = (c: Command) => `auto:command:${c.commandMessageId}`;

// ?1 contact, ?2 the command's ticket, ?3 the command message, ?4 now, ?5 the answer's key.
const NOT_ANSWERED = "NOT EXISTS (SELECT 1 FROM messages WHERE ticket_id IN (SELECT id FROM tickets WHERE contact_id = ?1) AND client_msg_id = ?5)";

/** The answer stored into the contact's current ticket, in its open conversation if it has one. */
function insertAnswer(body: string) {
  return `INSERT INTO messages (account_id, ticket_id, conversation_id, direction, body, client_msg_id, status, created_at, updated_at)
          SELECT t.account_id, t.id, v.id, 'system', ${body}, ?5, 'queued', ?4, ?4
          FROM tickets t LEFT JOIN conversations v ON v.ticket_id = t.id AND v.open = 1
          WHERE t.contact_id = ?1 AND t.current = 1 AND ${NOT_ANSWERED}
          ON CONFLICT DO NOTHING RETURNING *`;
}

type AnswerRow = MessageRow & {
  conversation_id: number | null;
  t_queue_id: string;
  t_status: "open" | "assigned" | "closed";
  t_subject: string | null;
  t_created_at: number;
  q_name: string;
};

/** The stored answer with its ticket: a retry of the command finds it here. */
function selectAnswer(d1: D1Database, c: Command) {
  return d1
    .prepare(
      `SELECT m.*, t.queue_id AS t_queue_id, t.status AS t_status, t.subject AS t_subject, t.created_at AS t_created_at, q.name AS q_name
       FROM messages m JOIN tickets t ON t.id = m.ticket_id JOIN queues q ON q.id = t.queue_id
       WHERE m.ticket_id IN (SELECT id FROM tickets WHERE contact_id = ?1) AND m.client_msg_id = ?2`,
    )
    .bind(c.contactId, key(c));
}

export type CommandAnswer = {
  answer: MessageView;
  /** False when a retry found the answer already stored: nothing was done this time. */
  created: boolean;
  ticket: { id: number; queueId: string; queueName: string; status: "open" | "assigned" | "closed"; subject: string | null; createdAt: number };
  conversationId: number | null;
};

function answerOf(inserted: D1Result<AnswerRow> | undefined, loaded: D1Result<AnswerRow> | undefined): CommandAnswer | null {
  const row = loaded?.results[0];
  if (!row) return null;
  return {
    answer: messageViewFromRow(row),
    created: (inserted?.results.length ?? 0) > 0,
    ticket: { id: row.ticket_id, queueId: row.t_queue_id, queueName: row.q_name, status: row.t_status, subject: row.t_subject, createdAt: row.t_created_at },
    conversationId: row.conversation_id,
  };
}

/**
 * New ticket: the command's ticket ends its conversation and stops being current (it stays open
 * until an agent closes it); a new current ticket with an open conversation is created in the
 * account's queue. A ticket the customer has written nothing else in is already new: it stays
 * current. `text(id)` is the answer with the current ticket's number.
 */
export async function openNewTicket(
  d1: D1Database,
  c: Command & { accountId: string; queueId: string; text: (ticketId: number | string) => string },
  now = Date.now(),
): Promise<(CommandAnswer & { ticketCreated: boolean; conversationCreated: boolean }) | null> {
  // The number is only known inside the batch: SQL puts it in wherever the answer has the placeholder.
  const placeholder = "\u0001ticket\u0001";
  const hasOtherMessages = "EXISTS (SELECT 1 FROM messages WHERE ticket_id = ?2 AND direction = 'in' AND id != ?3)";
  const isCurrent = "EXISTS (SELECT 1 FROM tickets WHERE id = ?2 AND current = 1)";
  const stmt = (q: string, ...more: unknown[]) => d1.prepare(q).bind(c.contactId, c.ticketId, c.commandMessageId, now, key(c), ...more);
  const [, , ticketInsert, conversationInsert, answer, loaded] = await d1.batch<AnswerRow>([
    stmt(
      `UPDATE conversations SET open = NULL, ended_at = ?4, end_reason = 'new_ticket'
       WHERE ticket_id = ?2 AND open = 1 AND ${isCurrent} AND ${hasOtherMessages} AND ${NOT_ANSWERED}`,
    ),
    stmt(`UPDATE tickets SET current = NULL, updated_at = ?4 WHERE id = ?2 AND current = 1 AND ${hasOtherMessages} AND ${NOT_ANSWERED}`),
    stmt(
      `INSERT INTO tickets (account_id, contact_id, queue_id, status, current, created_at, updated_at, last_message_at)
       SELECT ?6, ?1, ?7, 'open', 1, ?4, ?4, ?4 WHERE ${hasOtherMessages} AND ${NOT_ANSWERED}
       ON CONFLICT DO NOTHING RETURNING id`,
      c.accountId,
      c.queueId,
    ),
    stmt(
      `INSERT INTO conversations (ticket_id, open, started_at)
       SELECT id, 1, ?4 FROM tickets WHERE contact_id = ?1 AND current = 1 AND ${NOT_ANSWERED}
       ON CONFLICT DO NOTHING RETURNING id`,
    ),
    stmt(insertAnswer("replace(?6, ?7, t.id)"), c.text(placeholder), placeholder),
    selectAnswer(d1, c),
  ]);
  const result = answerOf(answer, loaded);
  if (!result) return null;
  return { ...result, ticketCreated: (ticketInsert?.results.length ?? 0) > 0, conversationCreated: (conversationInsert?.results.length ?? 0) > 0 };
}

/**
 * Switch: `targetId` becomes the contact's current ticket when it is one of the contact's open
 * tickets. Otherwise nothing changes and the answer is `notFound` (the same whether the ticket does
 * not exist, is closed or is someone else's).
 */
export async function switchTicket(
  d1: D1Database,
  c: Command & { targetId: number; switched: string; notFound: string },
  now = Date.now(),
): Promise<(CommandAnswer & { switched: boolean }) | null> {
  const target = "EXISTS (SELECT 1 FROM tickets WHERE id = ?6 AND contact_id = ?1 AND status != 'closed')";
  const stmt = (q: string, ...more: unknown[]) => d1.prepare(q).bind(c.contactId, c.ticketId, c.commandMessageId, now, key(c), c.targetId, ...more);
  const [, , answer, loaded] = await d1.batch<AnswerRow>([
    stmt(`UPDATE tickets SET current = NULL, updated_at = ?4 WHERE contact_id = ?1 AND current = 1 AND id != ?6 AND ${target} AND ${NOT_ANSWERED}`),
    stmt(`UPDATE OR IGNORE tickets SET current = 1, updated_at = ?4 WHERE id = ?6 AND contact_id = ?1 AND status != 'closed' AND ${NOT_ANSWERED}`),
    stmt(insertAnswer("CASE WHEN t.id = ?6 THEN ?7 ELSE ?8 END"), c.switched, c.notFound),
    selectAnswer(d1, c),
  ]);
  const result = answerOf(answer, loaded);
  return result ? { ...result, switched: result.ticket.id === c.targetId } : null;
}

export type OpenTicket = { id: number; subject: string | null; current: boolean; queueId: string };

/** The contact's open tickets: the current one first, then the most recently active. */
export async function openTicketsOf(d1: D1Database, contactId: number, limit = 50): Promise<OpenTicket[]> {
  const { results } = await d1
    .prepare(
      `SELECT id, subject, current, queue_id FROM tickets WHERE contact_id = ?1 AND status != 'closed'
       ORDER BY current IS NULL, last_message_at DESC, id DESC LIMIT ?2`,
    )
    .bind(contactId, limit)
    .all<{ id: number; subject: string | null; current: number | null; queue_id: string }>();
  return results.map((r) => ({ id: r.id, subject: r.subject, current: r.current === 1, queueId: r.queue_id }));
}
