import type { MessageView } from "../kinds/views";
import { messageViewFromRow, type MessageRow } from "./message-view";

/**
 * Stores a message the hub sends on its own (welcome, out of hours, queue position…) as a `system`
 * message of the ticket, queued for delivery. `key` makes it happen once: a second call with the
 * same key for the ticket stores nothing and returns null (two racing first messages, a retried
 * webhook, an alarm that fires twice). Deliver the returned message through the outbox.
 */
export async function storeSystemMessage(d1: D1Database, m: { ticketId: number; text: string; key: string }, now = Date.now()): Promise<MessageView | null> {
  const row = await insertSystemMessage(d1, m.ticketId, m, now).first<MessageRow>();
  return row ? messageViewFromRow(row) : null;
}

/** Several of them for one ticket, in order, in one D1 batch: the ones stored now, each once as above. */
export async function storeSystemMessages(d1: D1Database, ticketId: number, messages: readonly { text: string; key: string }[], now = Date.now()): Promise<MessageView[]> {
  if (messages.length === 0) return [];
  const results = await d1.batch<MessageRow>(messages.map((m) => insertSystemMessage(d1, ticketId, m, now)));
  return results.flatMap((r) => r.results.map(messageViewFromRow));
}

/** Whether the hub's own message keyed `key` was stored for the ticket (stored once per key, as above). */
export async function systemMessageStored(d1: D1Database, ticketId: number, key: string): Promise<boolean> {
  return (await d1.prepare("SELECT 1 FROM messages WHERE ticket_id = ?1 AND client_msg_id = ?2").bind(ticketId, `auto:${key}`).first()) !== null;
}

function insertSystemMessage(d1: D1Database, ticketId: number, m: { text: string; key: string }, now: number) {
  return d1
    .prepare(
      `INSERT INTO messages (account_id, ticket_id, conversation_id, direction, body, client_msg_id, status, created_at, updated_at)
       SELECT t.account_id, t.id, v.id, 'system', ?2, ?3, 'queued', ?4, ?4
       FROM tickets t LEFT JOIN conversations v ON v.ticket_id = t.id AND v.open = 1
       WHERE t.id = ?1 AND t.status != 'closed'
       ON CONFLICT DO NOTHING RETURNING *`,
    )
    .bind(ticketId, m.text, `auto:${m.key}`, now);
}
