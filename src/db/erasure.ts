// Erasing tickets and contacts: every row that holds what was said goes, in one D1 batch.

/** What a deletion needs to know of a ticket before it goes: who may delete it, and whose object holds it. */
export type ErasableTicket = { id: number; accountId: string; queueId: string; contactId: number; supervisorsMayDelete: boolean };

type ErasableRow = { id: number; account_id: string; queue_id: string; contact_id: number; conversation: string };

const fromRow = (r: ErasableRow): ErasableTicket => ({
  id: r.id,
  accountId: r.account_id,
  queueId: r.queue_id,
  contactId: r.contact_id,
  supervisorsMayDelete: supervisorsMayDelete(r.conversation),
});

/** The account's `supervisorsMayDelete` conversation setting, read from its stored JSON (false when absent or unreadable). */
function supervisorsMayDelete(conversation: string): boolean {
  try {
    return (JSON.parse(conversation) as { supervisorsMayDelete?: unknown }).supervisorsMayDelete === true;
  } catch {
    return false;
  }
}

/** The tickets among `ids` that exist, with their account's setting. */
export async function erasableTickets(d1: D1Database, ids: readonly number[]): Promise<ErasableTicket[]> {
  if (ids.length === 0) return [];
  const { results } = await d1
    .prepare(
      `SELECT t.id, t.account_id, t.queue_id, t.contact_id, a.conversation FROM tickets t JOIN channel_accounts a ON a.id = t.account_id
       WHERE t.id IN (SELECT value FROM json_each(?1)) ORDER BY t.id`,
    )
    .bind(JSON.stringify(ids))
    .all<ErasableRow>();
  return results.map(fromRow);
}

export type ErasableContact = { id: number; accountId: string; supervisorsMayDelete: boolean; tickets: ErasableTicket[] };

/** The contact with every ticket of theirs, or null. */
export async function erasableContact(d1: D1Database, contactId: number): Promise<ErasableContact | null> {
  const [contact, tickets] = await d1.batch<{ id: number; account_id: string; conversation: string } & Partial<ErasableRow>>([
    d1.prepare("SELECT c.id, c.account_id, a.conversation FROM contacts c JOIN channel_accounts a ON a.id = c.account_id WHERE c.id = ?1").bind(contactId),
    d1
      .prepare(
        `SELECT t.id, t.account_id, t.queue_id, t.contact_id, a.conversation FROM tickets t JOIN channel_accounts a ON a.id = t.account_id
         WHERE t.contact_id = ?1 ORDER BY t.id`,
      )
      .bind(contactId),
  ]);
  const row = contact?.results[0];
  if (!row) return null;
  return {
    id: row.id,
    accountId: row.account_id,
    supervisorsMayDelete: supervisorsMayDelete(row.conversation),
    tickets: (tickets?.results ?? []).map((r) => fromRow(r as ErasableRow)),
  };
}

/**
 * The statements that take the tickets' content out of D1: delivery reports and routing rows
 * waiting on their messages, translations, revisions, read marks, then the tickets, whose messages
 * (the full-text index follows through its triggers) and conversations go with them. The tickets' audit
 * entries keep who did what and when but lose their details (a subject or tags changed through the
 * API). Each ticket gets an entry `ticket.erase` naming who erased it and how many messages went,
 * written first, in the same transaction. `ids` is a JSON array of ticket ids.
 */
function eraseStatements(d1: D1Database, ids: string, actorId: string, via: string, now: number): D1PreparedStatement[] {
  const ticketIds = "SELECT value FROM json_each(?1)";
  const messageIds = `SELECT id FROM messages WHERE ticket_id IN (${ticketIds})`;
  const providerIds = `SELECT account_id, provider_message_id FROM messages WHERE ticket_id IN (${ticketIds}) AND provider_message_id IS NOT NULL`;
  const run = (sql: string, ...more: unknown[]) => d1.prepare(sql).bind(ids, ...more);
  return [
    run(
      `UPDATE audit_log SET details = NULL WHERE entity_type = 'ticket' AND entity_id IN (SELECT CAST(value AS TEXT) FROM json_each(?1)) AND details IS NOT NULL`,
    ),
    run(
      `INSERT INTO audit_log (actor_id, action, entity_type, entity_id, details, at)
       SELECT ?2, 'ticket.erase', 'ticket', CAST(t.id AS TEXT),
         json_object('messages', (SELECT count(*) FROM messages m WHERE m.ticket_id = t.id), 'via', ?3), ?4
       FROM tickets t WHERE t.id IN (${ticketIds}) ORDER BY t.id`,
      actorId,
      via,
      now,
    ),
    run(`DELETE FROM pending_statuses WHERE (account_id, provider_message_id) IN (${providerIds})`),
    run(`DELETE FROM pending_routes WHERE (account_id, provider_message_id) IN (${providerIds})`),
    run(`DELETE FROM message_translations WHERE message_id IN (${messageIds})`),
    run(`DELETE FROM message_revisions WHERE message_id IN (${messageIds})`),
    run(`DELETE FROM ticket_reads WHERE ticket_id IN (${ticketIds})`),
    // Messages and conversations go with their tickets (ON DELETE CASCADE), after them: the messages'
    // triggers (the full-text index's, 0014) then find no ticket row left to keep counts on.
    run(`DELETE FROM tickets WHERE id IN (${ticketIds}) RETURNING id`),
  ];
}

/** Erases the tickets and everything said in them, in one transaction; returns the ids that were erased. */
export async function eraseTickets(d1: D1Database, ids: readonly number[], actorId: string, now = Date.now()): Promise<number[]> {
  if (ids.length === 0) return [];
  const results = await d1.batch<{ id: number }>(eraseStatements(d1, JSON.stringify(ids), actorId, ids.length === 1 ? "ticket" : "bulk", now));
  return (results[results.length - 1]?.results ?? []).map((r) => r.id).sort((a, b) => a - b);
}

/**
 * Erases the contact (right to erasure): every ticket of theirs as `eraseTickets` does, then the
 * contact itself, with an audit entry `contact.erase` counting the tickets and messages. The
 * webhook receipts (provider ids, no content) stay, so a provider retrying an old event cannot
 * bring an erased message back. False when there was no such contact.
 */
export async function eraseContact(d1: D1Database, contactId: number, actorId: string, now = Date.now()): Promise<boolean> {
  const ids = JSON.stringify(
    (await d1.prepare("SELECT id FROM tickets WHERE contact_id = ?1").bind(contactId).all<{ id: number }>()).results.map((r) => r.id),
  );
  const results = await d1.batch([
    d1
      .prepare(
        `INSERT INTO audit_log (actor_id, action, entity_type, entity_id, details, at)
         SELECT ?2, 'contact.erase', 'contact', CAST(c.id AS TEXT),
           json_object('tickets', (SELECT count(*) FROM tickets t WHERE t.contact_id = c.id),
                       'messages', (SELECT count(*) FROM messages m JOIN tickets t ON t.id = m.ticket_id WHERE t.contact_id = c.id)), ?3
         FROM contacts c WHERE c.id = ?1`,
      )
      .bind(contactId, actorId, now),
    ...eraseStatements(d1, ids, actorId, "contact", now),
    // A ticket opened after the list above was read goes by the contact's id, its messages with it.
    d1.prepare("DELETE FROM tickets WHERE contact_id = ?1").bind(contactId),
    d1.prepare("DELETE FROM contacts WHERE id = ?1 RETURNING id").bind(contactId),
  ]);
  return (results[results.length - 1]?.results.length ?? 0) > 0;
}
