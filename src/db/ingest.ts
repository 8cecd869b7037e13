import { sql, type SQL } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import type { InboundEvent } from "../providers/types";
import type { MessageView, TicketView } from "../queue/protocol";
import { messageViewFromRow, type MessageRow } from "./message-view";

export type WebhookAccount = {
  id: string;
  name: string;
  provider: string;
  queueId: string;
};

export type TicketState = TicketView & { status: "open" | "assigned" | "closed"; queueId: string; assigneeId: string | null };

export type IngestOutcome =
  /** The event was new and is now stored. */
  | { result: "stored"; ticket: TicketState; message: MessageView; ticketCreated: boolean }
  /** A retry of an event already stored: nothing new was written. */
  | { result: "duplicate"; ticket: TicketState | null; message: MessageView | null }
  /** An edit of a message the hub never received: recorded as seen, nothing else. */
  | { result: "unknown_message" };

type MessageEvent = Extract<InboundEvent, { kind: "message" }>;
type EditEvent = Extract<InboundEvent, { kind: "edit" }>;

/**
 * Stores one inbound message and finds or creates its contact, current ticket and open
 * conversation, all in one D1 batch (one transaction, serialized with every other write).
 * Every statement is guarded by the event's receipt, written last: a retried event changes nothing,
 * and two first messages of a new contact arriving at once make one contact and one ticket.
 */
export async function ingestMessage(d1: D1Database, account: WebhookAccount, ev: MessageEvent, now = Date.now()): Promise<IngestOutcome> {
  const db = drizzle(d1);
  const isNew = notYetIngested(account.id, ev.eventKey);
  const contact = sql`SELECT id FROM contacts WHERE account_id = ${account.id} AND external_id = ${ev.contact.externalId}`;
  const currentTicket = sql`SELECT id FROM tickets WHERE contact_id = (${contact}) AND current = 1`;
  const c = ev.contact;

  const [, createdTicket, , insertedMessage] = await db.batch([
    db.run(sql`
      INSERT INTO contacts (account_id, external_id, address, display_name, username, language, created_at, last_seen_at)
      SELECT ${account.id}, ${c.externalId}, ${c.address}, ${c.displayName}, ${c.username ?? null}, ${c.language ?? null}, ${now}, ${now}
      WHERE ${isNew}
      ON CONFLICT (account_id, external_id) DO UPDATE SET
        address = excluded.address, display_name = excluded.display_name, username = excluded.username,
        language = coalesce(excluded.language, contacts.language), last_seen_at = excluded.last_seen_at`),
    db.all<{ id: number }>(sql`
      INSERT INTO tickets (account_id, contact_id, queue_id, status, current, created_at, updated_at, last_message_at)
      SELECT ${account.id}, (${contact}), ${account.queueId}, 'open', 1, ${now}, ${now}, ${now}
      WHERE ${isNew}
      ON CONFLICT DO NOTHING
      RETURNING id`),
    db.run(sql`
      INSERT INTO conversations (ticket_id, open, started_at)
      SELECT (${currentTicket}), 1, ${now}
      WHERE ${isNew}
      ON CONFLICT DO NOTHING`),
    db.all<{ id: number }>(sql`
      INSERT INTO messages (account_id, ticket_id, conversation_id, direction, body, attachments,
                            provider_message_id, status, sent_at, created_at, updated_at)
      SELECT ${account.id}, t.id, v.id, 'in', ${ev.text}, ${JSON.stringify(ev.attachments)},
             ${ev.providerMessageId}, 'received', ${ev.sentAt}, ${now}, ${now}
      FROM tickets t LEFT JOIN conversations v ON v.ticket_id = t.id AND v.open = 1
      WHERE t.id = (${currentTicket}) AND ${isNew}
      ON CONFLICT DO NOTHING
      RETURNING id`),
    db.run(sql`
      UPDATE tickets SET last_message_at = ${now}, updated_at = ${now}
      WHERE id = (${currentTicket}) AND ${isNew}`),
    recordReceipt(db, account.id, ev.eventKey, now),
  ]);

  const messageId = insertedMessage[0]?.id;
  if (messageId === undefined) {
    const existing = await loadMessageWithTicket(d1, account, ev.providerMessageId);
    return { result: "duplicate", ticket: existing?.ticket ?? null, message: existing?.message ?? null };
  }
  const loaded = await loadMessageWithTicket(d1, account, ev.providerMessageId);
  if (!loaded) throw new Error(`message ${messageId} vanished after insert`);
  return { result: "stored", ...loaded, ticketCreated: createdTicket.length > 0 };
}

/** Applies a customer's edit, keeping the replaced text as a revision. Older or repeated edits change nothing. */
export async function ingestEdit(d1: D1Database, account: WebhookAccount, ev: EditEvent, now = Date.now()): Promise<IngestOutcome> {
  const db = drizzle(d1);
  const isNew = notYetIngested(account.id, ev.eventKey);
  const target = sql`account_id = ${account.id} AND provider_message_id = ${ev.providerMessageId}
                     AND coalesce(edited_at, 0) < ${ev.editedAt} AND ${isNew}`;
  const [, updated] = await db.batch([
    db.run(sql`
      INSERT INTO message_revisions (message_id, body, replaced_at)
      SELECT id, body, ${ev.editedAt} FROM messages WHERE ${target}`),
    db.all<{ id: number }>(sql`
      UPDATE messages SET body = ${ev.text}, attachments = ${JSON.stringify(ev.attachments)},
             edited_at = ${ev.editedAt}, updated_at = ${now}
      WHERE ${target}
      RETURNING id`),
    recordReceipt(db, account.id, ev.eventKey, now),
  ]);
  const loaded = await loadMessageWithTicket(d1, account, ev.providerMessageId);
  if (!loaded) return { result: "unknown_message" };
  if (updated.length === 0) return { result: "duplicate", ...loaded };
  return { result: "stored", ...loaded, ticketCreated: false };
}

/** Records an authentic event the hub does not act on, so a retry is recognisably the same. */
export async function ingestIgnored(d1: D1Database, accountId: string, eventKey: string, now = Date.now()) {
  const db = drizzle(d1);
  await recordReceipt(db, accountId, eventKey, now);
}

function notYetIngested(accountId: string, eventKey: string): SQL {
  return sql`NOT EXISTS (SELECT 1 FROM inbound_events WHERE account_id = ${accountId} AND event_key = ${eventKey})`;
}

function recordReceipt(db: ReturnType<typeof drizzle>, accountId: string, eventKey: string, now: number) {
  return db.run(sql`
    INSERT INTO inbound_events (account_id, event_key, received_at) VALUES (${accountId}, ${eventKey}, ${now})
    ON CONFLICT DO NOTHING`);
}

type JoinedRow = MessageRow & {
  t_status: TicketState["status"];
  t_queue_id: string;
  t_assignee_id: string | null;
  t_subject: string | null;
  t_created_at: number;
  c_id: number;
  c_display_name: string;
  c_username: string | null;
};

async function loadMessageWithTicket(d1: D1Database, account: WebhookAccount, providerMessageId: string) {
  const row = await d1
    .prepare(
      `SELECT m.*, t.status AS t_status, t.queue_id AS t_queue_id, t.assignee_id AS t_assignee_id,
              t.subject AS t_subject, t.created_at AS t_created_at,
              c.id AS c_id, c.display_name AS c_display_name, c.username AS c_username
       FROM messages m JOIN tickets t ON t.id = m.ticket_id JOIN contacts c ON c.id = t.contact_id
       WHERE m.account_id = ?1 AND m.provider_message_id = ?2`,
    )
    .bind(account.id, providerMessageId)
    .first<JoinedRow>();
  if (!row) return null;
  const ticket: TicketState = {
    id: row.ticket_id,
    accountId: account.id,
    accountName: account.name,
    provider: account.provider,
    contact: { id: row.c_id, name: row.c_display_name, username: row.c_username },
    subject: row.t_subject,
    createdAt: row.t_created_at,
    status: row.t_status,
    queueId: row.t_queue_id,
    assigneeId: row.t_assignee_id,
  };
  return { ticket, message: messageViewFromRow(row) };
}
