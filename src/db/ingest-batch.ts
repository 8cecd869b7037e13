import type { InboundEvent } from "../providers/types";
import { createdMaxAt, joinedRow, type IngestOutcome, type JoinedRow } from "./ingest";
import { webhookBatch, type WebhookAccount } from "./webhook-batch";

type MessageEvent = Extract<InboundEvent, { kind: "message" }>;

/** A stored customer message of a multi-event webhook, with what routing it needs. */
export type PendingRoute = {
  eventKey: string;
  outcome: Extract<IngestOutcome, { result: "stored" }>;
  /** The provider's time of the message. */
  sentAt: number;
};

/** Events per statement: each binds one JSON array, kept well under D1's statement and value sizes. */
const CHUNK = 100;

/** Which of `eventKeys` the account has already received: one query, however many keys. */
export async function receivedKeys(d1: D1Database, accountId: string, eventKeys: string[]): Promise<Set<string>> {
  if (eventKeys.length === 0) return new Set();
  const { results } = await d1
    .prepare("SELECT event_key FROM inbound_events WHERE account_id = ?1 AND event_key IN (SELECT value FROM json_each(?2))")
    .bind(accountId, JSON.stringify(eventKeys))
    .all<{ event_key: string }>();
  return new Set(results.map((r) => r.event_key));
}

/**
 * Stores a run of new customer messages (and receipts of ignored events) of one webhook in one D1
 * batch (one transaction), a few set-based statements per chunk of events instead of a batch per
 * event. It does what `ingestMessage` does for each message, in the given order: find or create
 * the contact, its current ticket and open conversation, insert the message, and keep the event's
 * receipt; every statement skips events whose receipt exists, so a retry stores nothing new.
 * Each stored message also gets a `pending_routes` row, written in the same transaction before the
 * rest so that it can record what the event created. Returns the stored messages in order.
 */
export async function ingestMessageRun(
  d1: D1Database,
  account: WebhookAccount,
  messages: MessageEvent[],
  ignoredKeys: string[],
  now = Date.now(),
): Promise<PendingRoute[]> {
  const statements: D1PreparedStatement[] = [];
  const keys: string[] = [];
  for (let i = 0; i < Math.max(messages.length, ignoredKeys.length); i += CHUNK) {
    const chunk = messages.slice(i, i + CHUNK);
    const chunkKeys = [...chunk.map((m) => m.eventKey), ...ignoredKeys.slice(i, i + CHUNK)];
    keys.push(...chunk.map((m) => m.eventKey));
    if (chunk.length > 0) statements.push(...messageStatements(d1, account, chunk, now));
    statements.push(
      d1
        .prepare("INSERT INTO inbound_events (account_id, event_key, received_at) SELECT ?1, value, ?3 FROM json_each(?2) WHERE true ON CONFLICT DO NOTHING")
        .bind(account.id, JSON.stringify(chunkKeys), now),
    );
  }
  const select = keys.length > 0 ? selectPendingRoutes(d1, account, keys) : null;
  const results = await webhookBatch(d1, account, select ? [...statements, select] : statements, now);
  return select ? pendingRoutesOf(account, results.at(-1)) : [];
}

/** The account's stored messages still waiting to be routed, oldest first (all of them, or those of `eventKeys`). */
export async function loadPendingRoutes(d1: D1Database, account: WebhookAccount, eventKeys?: string[]): Promise<PendingRoute[]> {
  return pendingRoutesOf(account, await selectPendingRoutes(d1, account, eventKeys).all<Record<string, unknown>>());
}

/** Routed: their pending rows go. */
export async function deletePendingRoutes(d1: D1Database, accountId: string, eventKeys: string[]) {
  if (eventKeys.length === 0) return;
  await d1
    .prepare("DELETE FROM pending_routes WHERE account_id = ?1 AND event_key IN (SELECT value FROM json_each(?2))")
    .bind(accountId, JSON.stringify(eventKeys))
    .run();
}

function messageStatements(d1: D1Database, account: WebhookAccount, chunk: MessageEvent[], now: number) {
  const events = JSON.stringify(
    chunk.map((e) => ({
      k: e.eventKey,
      x: e.contact.externalId,
      a: e.contact.address,
      n: e.contact.displayName,
      u: e.contact.username ?? null,
      l: e.contact.language ?? null,
      b: e.text,
      t: JSON.stringify(e.attachments),
      p: e.providerMessageId,
      s: e.sentAt,
      r: e.replyTo ?? null,
    })),
  );
  // ?1 account, ?2 the chunk's events as JSON, ?3 now, ?4 the account's queue. `ev` is the chunk's
  // events not received yet, `i` their order.
  const ev = `ev AS (
    SELECT CAST(e.key AS INTEGER) AS i, e.value ->> 'k' AS k, e.value ->> 'x' AS x, e.value ->> 'a' AS a, e.value ->> 'n' AS n,
           e.value ->> 'u' AS u, e.value ->> 'l' AS l, e.value ->> 'b' AS b, e.value ->> 't' AS t, e.value ->> 'p' AS p,
           e.value ->> 's' AS s, e.value ->> 'r' AS r
    FROM json_each(?2) e
    WHERE NOT EXISTS (SELECT 1 FROM inbound_events r WHERE r.account_id = ?1 AND r.event_key = e.value ->> 'k'))`;
  const contactIds = "(SELECT id FROM contacts WHERE account_id = ?1 AND external_id IN (SELECT x FROM ev))";
  // D1 wants exactly as many values as the statement's highest ?N.
  const stmt = (query: string) => d1.prepare(query).bind(...[account.id, events, now, account.queueId].slice(0, Math.max(...[...query.matchAll(/\?(\d)/g)].map((m) => Number(m[1])))));
  return [
    // Before anything is created: a contact's first event in the chunk creates what does not exist yet.
    stmt(
      `WITH ${ev}, firsts AS (SELECT x, min(i) AS i FROM ev GROUP BY x)
       INSERT INTO pending_routes (account_id, event_key, provider_message_id, contact_created, ticket_created, conversation_created, created_at)
       SELECT ?1, ev.k, ev.p, f.i IS NOT NULL AND c.id IS NULL, f.i IS NOT NULL AND t.id IS NULL,
              f.i IS NOT NULL AND (t.id IS NULL OR NOT EXISTS (SELECT 1 FROM conversations v WHERE v.ticket_id = t.id AND v.open = 1)), ?3
       FROM ev LEFT JOIN firsts f ON f.x = ev.x AND f.i = ev.i
       LEFT JOIN contacts c ON c.account_id = ?1 AND c.external_id = ev.x
       LEFT JOIN tickets t ON t.contact_id = c.id AND t.current = 1
       WHERE true ORDER BY ev.i
       ON CONFLICT DO NOTHING`,
    ),
    // One row per contact with its last event's details; language stays unless an event names one.
    stmt(
      `WITH ${ev}, lasts AS (SELECT x, max(i) AS i FROM ev GROUP BY x)
       INSERT INTO contacts (account_id, external_id, address, display_name, username, language, created_at, last_seen_at)
       SELECT ?1, ev.x, ev.a, ev.n, ev.u, (SELECT l FROM ev e2 WHERE e2.x = ev.x AND e2.l IS NOT NULL ORDER BY e2.i DESC LIMIT 1), ?3, ?3
       FROM ev JOIN lasts USING (x, i) WHERE true ORDER BY ev.i
       ON CONFLICT (account_id, external_id) DO UPDATE SET address = excluded.address, display_name = excluded.display_name,
         username = excluded.username, language = coalesce(excluded.language, language), last_seen_at = excluded.last_seen_at`,
    ),
    stmt(
      `WITH ${ev}
       INSERT INTO tickets (account_id, contact_id, queue_id, status, current, created_at, updated_at, last_message_at,
                            contact_name, contact_handle, contact_username, created_max_at)
       SELECT ?1, c.id, ?4, 'open', 1, ?3, ?3, ?3, c.display_name, c.external_id, c.username, ${createdMaxAt("?3")} FROM contacts c
       WHERE c.id IN ${contactIds} AND NOT EXISTS (SELECT 1 FROM tickets t WHERE t.contact_id = c.id AND t.current = 1)
       ORDER BY (SELECT min(i) FROM ev WHERE ev.x = c.external_id)
       ON CONFLICT DO NOTHING`,
    ),
    stmt(
      `WITH ${ev}
       INSERT INTO conversations (ticket_id, open, started_at)
       SELECT t.id, 1, ?3 FROM tickets t
       WHERE t.contact_id IN ${contactIds} AND t.current = 1 AND NOT EXISTS (SELECT 1 FROM conversations v WHERE v.ticket_id = t.id AND v.open = 1)
       ORDER BY t.id
       ON CONFLICT DO NOTHING`,
    ),
    stmt(
      `WITH ${ev}
       INSERT INTO messages (account_id, ticket_id, conversation_id, direction, body, attachments,
                             provider_message_id, status, sent_at, reply_to, created_at, updated_at)
       SELECT ?1, t.id, v.id, 'in', ev.b, ev.t, ev.p, 'received', ev.s, ev.r, ?3, ?3
       FROM ev JOIN contacts c ON c.account_id = ?1 AND c.external_id = ev.x
       JOIN tickets t ON t.contact_id = c.id AND t.current = 1
       LEFT JOIN conversations v ON v.ticket_id = t.id AND v.open = 1
       WHERE true ORDER BY ev.i
       ON CONFLICT DO NOTHING`,
    ),
  ];
}

function selectPendingRoutes(d1: D1Database, account: WebhookAccount, eventKeys?: string[]) {
  return d1
    .prepare(
      `SELECT p.event_key AS p_event_key, p.contact_created AS p_contact_created, p.ticket_created AS p_ticket_created,
              p.conversation_created AS p_conversation_created, m.*,
              t.status AS t_status, t.queue_id AS t_queue_id, t.assignee_id AS t_assignee_id,
              t.subject AS t_subject, t.created_at AS t_created_at, q.name AS q_name,
              c.id AS c_id, c.display_name AS c_display_name, c.username AS c_username,
              (SELECT o.assignee_id FROM tickets o WHERE o.contact_id = c.id AND o.assignee_id IS NOT NULL ORDER BY o.id DESC LIMIT 1) AS c_last_agent
       FROM pending_routes p
       JOIN messages m ON m.account_id = p.account_id AND m.provider_message_id = p.provider_message_id
       JOIN tickets t ON t.id = m.ticket_id JOIN contacts c ON c.id = t.contact_id JOIN queues q ON q.id = t.queue_id
       WHERE p.account_id = ?1 AND (?2 IS NULL OR p.event_key IN (SELECT value FROM json_each(?2)))
       ORDER BY m.id`,
    )
    .bind(account.id, eventKeys ? JSON.stringify(eventKeys) : null);
}

function pendingRoutesOf(account: WebhookAccount, result: D1Result<Record<string, unknown>> | undefined): PendingRoute[] {
  return (result?.results ?? []).map((r) => {
    const row = r as JoinedRow & { sent_at: number | null; p_event_key: string; p_contact_created: number; p_ticket_created: number; p_conversation_created: number };
    const { ticket, message, conversationId } = joinedRow(account, row);
    return {
      eventKey: row.p_event_key,
      sentAt: row.sent_at ?? row.created_at,
      outcome: {
        result: "stored",
        ticket,
        message,
        conversationId,
        contactCreated: row.p_contact_created === 1,
        ticketCreated: row.p_ticket_created === 1,
        conversationCreated: row.p_conversation_created === 1,
      },
    };
  });
}
