import type { InboundEvent } from "../providers/types";
import type { MessageView, TicketView } from "../kinds/views";
import { messageViewFromRow, type MessageRow } from "./message-view";
import { webhookBatch, type WebhookAccount } from "./webhook-batch";

export type { WebhookAccount };

export type TicketState = TicketView & {
  status: "open" | "assigned" | "closed";
  queueId: string;
  queueName: string;
  assigneeId: string | null;
  /** The agent who last held one of this contact's tickets: the sticky strategy's preference. */
  lastAgentId: string | null;
};

export type IngestOutcome =
  /**
   * The event was new and is now stored. The flags say what this event created: exactly one of two
   * racing first messages of a new contact sees `contactCreated` (and `ticketCreated`).
   */
  | {
      result: "stored";
      ticket: TicketState;
      message: MessageView;
      /** The conversation the message joined (null only for a message stored without one). */
      conversationId: number | null;
      contactCreated: boolean;
      ticketCreated: boolean;
      conversationCreated: boolean;
    }
  /** A retry of an event already stored: nothing new was written. */
  | { result: "duplicate"; ticket: TicketState | null; message: MessageView | null; conversationId: number | null }
  /** An edit of a message the hub never received: recorded as seen, nothing else. */
  | { result: "unknown_message" };

type MessageEvent = Extract<InboundEvent, { kind: "message" }>;
type EditEvent = Extract<InboundEvent, { kind: "edit" }>;

/**
 * A new ticket's `created_max_at` (the running maximum of creation times in id order, migration
 * 0013) for its `created_at` `at`: filled in the insert, the trigger that would fill it skips it.
 */
export const createdMaxAt = (at: string) => `max(${at}, coalesce((SELECT p.created_max_at FROM tickets p ORDER BY p.id DESC LIMIT 1), 0))`;

/**
 * Stores one inbound message and finds or creates its contact, current ticket and open
 * conversation, all in one D1 batch (one transaction, serialized with every other write).
 * Every statement is guarded by the event's receipt, written last: a retried event changes nothing,
 * and two first messages of a new contact arriving at once make one contact and one ticket.
 */
export async function ingestMessage(d1: D1Database, account: WebhookAccount, ev: MessageEvent, now = Date.now()): Promise<IngestOutcome> {
  const c = ev.contact;
  // ?1 account, ?2 event key, ?3 external id, ?4 now: shared by every statement of the batch.
  const guard = "NOT EXISTS (SELECT 1 FROM inbound_events WHERE account_id = ?1 AND event_key = ?2)";
  const contact = "(SELECT id FROM contacts WHERE account_id = ?1 AND external_id = ?3)";
  const currentTicket = `(SELECT id FROM tickets WHERE contact_id = ${contact} AND current = 1)`;
  const stmt = (query: string, ...more: unknown[]) => d1.prepare(query).bind(account.id, ev.eventKey, c.externalId, now, ...more);

  // The contact is found or created by one upsert: it keeps the event that created it, so exactly
  // one of two racing first messages of a new contact sees that it did. The other "created"
  // statements return a row only when they inserted one. A new ticket carries the list's values of
  // its contact (as just upserted) in its insert, so no trigger rewrites it (migration 0020); its
  // last_message_at moves with the message, by the insert trigger; the receipt carries the
  // account's version and refuses the whole batch when it moved (migration 0016).
  const batch = await webhookBatch(d1, account, [
    stmt(
      `INSERT INTO contacts (account_id, external_id, address, display_name, username, language, created_at, last_seen_at, first_event_key)
       SELECT ?1, ?3, ?5, ?6, ?7, ?8, ?4, ?4, ?2 WHERE ${guard}
       ON CONFLICT (account_id, external_id) DO UPDATE SET address = excluded.address, display_name = excluded.display_name,
         username = excluded.username, language = coalesce(excluded.language, language), last_seen_at = excluded.last_seen_at
       RETURNING first_event_key IS ?2 AS created`,
      c.address, c.displayName, c.username ?? null, c.language ?? null,
    ),
    stmt(
      `INSERT INTO tickets (account_id, contact_id, queue_id, status, current, created_at, updated_at, last_message_at,
                            contact_name, contact_handle, contact_username, created_max_at)
       SELECT ?1, ${contact}, ?5, 'open', 1, ?4, ?4, ?4, ?6, ?3, ?7, ${createdMaxAt("?4")} WHERE ${guard} AND ${currentTicket} IS NULL
       ON CONFLICT DO NOTHING RETURNING id`,
      account.queueId, c.displayName, c.username ?? null,
    ),
    stmt(
      `INSERT INTO conversations (ticket_id, open, started_at)
       SELECT ${currentTicket}, 1, ?4 WHERE ${guard} AND NOT EXISTS (SELECT 1 FROM conversations WHERE ticket_id = ${currentTicket} AND open = 1)
       ON CONFLICT DO NOTHING RETURNING id`,
    ),
    stmt(
      `INSERT INTO messages (account_id, ticket_id, conversation_id, direction, body, attachments,
                             provider_message_id, status, sent_at, reply_to, created_at, updated_at)
       SELECT ?1, t.id, v.id, 'in', ?5, ?6, ?7, 'received', ?8, ?9, ?4, ?4
       FROM tickets t LEFT JOIN conversations v ON v.ticket_id = t.id AND v.open = 1
       WHERE t.id = ${currentTicket} AND ${guard}
       ON CONFLICT DO NOTHING RETURNING id`,
      ev.text, JSON.stringify(ev.attachments), ev.providerMessageId, ev.sentAt, ev.replyTo ?? null,
    ),
    receipt(d1, account.id, ev.eventKey, now, account.version),
    selectMessageWithTicket(d1, account.id, ev.providerMessageId),
  ], now, { versionChecked: true });

  const [contactUpsert, ticketInsert, conversationInsert, messageInsert] = batch;
  const inserted = (r: D1Result | undefined) => (r?.results.length ?? 0) > 0;
  const loaded = joined(account, batch.at(-1));
  if (!inserted(messageInsert)) return { result: "duplicate", ticket: loaded?.ticket ?? null, message: loaded?.message ?? null, conversationId: loaded?.conversationId ?? null };
  if (!loaded) throw new Error(`message ${ev.providerMessageId} vanished after insert`);
  return {
    result: "stored",
    ...loaded,
    contactCreated: (contactUpsert?.results[0] as { created?: number } | undefined)?.created === 1,
    ticketCreated: inserted(ticketInsert),
    conversationCreated: inserted(conversationInsert),
  };
}

/** Applies a customer's edit, keeping the replaced text as a revision. Older or repeated edits change nothing. */
export async function ingestEdit(d1: D1Database, account: WebhookAccount, ev: EditEvent, now = Date.now()): Promise<IngestOutcome> {
  const target = `account_id = ?1 AND provider_message_id = ?3 AND coalesce(edited_at, 0) < ?4
                  AND NOT EXISTS (SELECT 1 FROM inbound_events WHERE account_id = ?1 AND event_key = ?2)`;
  const stmt = (query: string, ...more: unknown[]) => d1.prepare(query).bind(account.id, ev.eventKey, ev.providerMessageId, ev.editedAt, ...more);
  const batch = await webhookBatch(d1, account, [
    stmt(`INSERT INTO message_revisions (message_id, body, replaced_at) SELECT id, body, ?4 FROM messages WHERE ${target}`),
    stmt(`UPDATE messages SET body = ?5, attachments = ?6, edited_at = ?4, updated_at = ?7 WHERE ${target} RETURNING id`, ev.text, JSON.stringify(ev.attachments), now),
    receipt(d1, account.id, ev.eventKey, now),
    selectMessageWithTicket(d1, account.id, ev.providerMessageId),
  ], now);
  const loaded = joined(account, batch.at(-1));
  if (!loaded) return { result: "unknown_message" };
  if (!batch[1]?.results.length) return { result: "duplicate", ...loaded };
  return { result: "stored", ...loaded, contactCreated: false, ticketCreated: false, conversationCreated: false };
}

/** Records an authentic event the hub does not act on, so a retry is recognisably the same. */
export async function ingestIgnored(d1: D1Database, account: WebhookAccount, eventKey: string, now = Date.now()) {
  await webhookBatch(d1, account, [receipt(d1, account.id, eventKey, now)], now);
}

/**
 * The receipt that makes the event's retries no-ops. With the account's `version`, it also fails
 * its batch (account_changed) unless D1 still has the account at that version, retry or not.
 */
export function receipt(d1: D1Database, accountId: string, eventKey: string, now: number, version?: number) {
  if (version === undefined) return d1.prepare("INSERT INTO inbound_events (account_id, event_key, received_at) VALUES (?1, ?2, ?3) ON CONFLICT DO NOTHING").bind(accountId, eventKey, now);
  return d1.prepare("INSERT INTO inbound_events (account_id, event_key, received_at, account_version) VALUES (?1, ?2, ?3, ?4) ON CONFLICT DO NOTHING").bind(accountId, eventKey, now, version);
}

export type JoinedRow = MessageRow & {
  conversation_id: number | null;
  t_status: TicketState["status"];
  t_queue_id: string;
  q_name: string;
  t_assignee_id: string | null;
  t_subject: string | null;
  t_created_at: number;
  c_id: number;
  c_display_name: string;
  c_username: string | null;
  c_last_agent: string | null;
};

function selectMessageWithTicket(d1: D1Database, accountId: string, providerMessageId: string) {
  return d1
    .prepare(
      `SELECT m.id, m.ticket_id, m.conversation_id, m.direction, m.body, m.attachments, m.status, m.status_reason, m.author_id,
              m.created_at, m.edited_at, m.deleted_at, m.reaction, t.status AS t_status, t.queue_id AS t_queue_id, t.assignee_id AS t_assignee_id,
              t.subject AS t_subject, t.created_at AS t_created_at, q.name AS q_name,
              c.id AS c_id, c.display_name AS c_display_name, c.username AS c_username,
              (SELECT p.assignee_id FROM tickets p WHERE p.contact_id = c.id AND p.assignee_id IS NOT NULL ORDER BY p.id DESC LIMIT 1) AS c_last_agent
       FROM messages m JOIN tickets t ON t.id = m.ticket_id JOIN contacts c ON c.id = t.contact_id JOIN queues q ON q.id = t.queue_id
       WHERE m.account_id = ?1 AND m.provider_message_id = ?2`,
    )
    .bind(accountId, providerMessageId);
}

function joined(account: WebhookAccount, result: D1Result<Record<string, unknown>> | undefined) {
  const row = result?.results[0] as JoinedRow | undefined;
  return row ? joinedRow(account, row) : null;
}

/** A message row joined with its ticket, contact and queue, as routing needs it. */
export function joinedRow(account: WebhookAccount, row: JoinedRow) {
  const ticket: TicketState = {
    id: row.ticket_id,
    accountId: account.id,
    accountName: account.name,
    accountShortKey: account.shortKey ?? null,
    provider: account.provider,
    contact: { id: row.c_id, name: row.c_display_name, username: row.c_username },
    subject: row.t_subject,
    createdAt: row.t_created_at,
    status: row.t_status,
    queueId: row.t_queue_id,
    queueName: row.q_name,
    assigneeId: row.t_assignee_id,
    lastAgentId: row.c_last_agent,
  };
  return { ticket, message: messageViewFromRow(row), conversationId: row.conversation_id };
}
