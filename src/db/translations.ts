// A message's second language version (table message_translations): see docs/translation.md.

export type MessageTranslation = {
  messageId: number;
  /** The language of `text`. */
  language: string;
  text: string;
  /** The language of the message's own body: detected for inbound, the customer's for a translated reply. */
  sourceLanguage: string | null;
  createdAt: number;
};

type TranslationRow = { message_id: number; language: string; text: string; source_language: string | null; created_at: number };

/**
 * Stores (or replaces) the message's translation. Nothing is stored for a message that is gone or
 * that the customer unsent meanwhile: an unsent message's content must not stay in D1. True when stored.
 */
export async function saveTranslation(
  d1: D1Database,
  t: { messageId: number; language: string; text: string; sourceLanguage: string | null },
  now = Date.now(),
): Promise<boolean> {
  const saved = await d1
    .prepare(
      `INSERT INTO message_translations (message_id, language, text, source_language, created_at)
       SELECT id, ?2, ?3, ?4, ?5 FROM messages WHERE id = ?1 AND deleted_at IS NULL
       ON CONFLICT (message_id) DO UPDATE SET language = excluded.language, text = excluded.text,
         source_language = excluded.source_language, created_at = excluded.created_at
       RETURNING message_id`,
    )
    .bind(t.messageId, t.language, t.text, t.sourceLanguage, now)
    .first();
  return saved !== null;
}

export async function deleteTranslation(d1: D1Database, messageId: number) {
  await d1.prepare("DELETE FROM message_translations WHERE message_id = ?1").bind(messageId).run();
}

/** The translations of a ticket's messages, by message id. */
export async function ticketTranslations(d1: D1Database, ticketId: number): Promise<Map<number, MessageTranslation>> {
  const { results } = await d1
    .prepare("SELECT mt.* FROM message_translations mt JOIN messages m ON m.id = mt.message_id WHERE m.ticket_id = ?1")
    .bind(ticketId)
    .all<TranslationRow>();
  return new Map(
    results.map((r) => [
      r.message_id,
      { messageId: r.message_id, language: r.language, text: r.text, sourceLanguage: r.source_language, createdAt: r.created_at },
    ]),
  );
}

/** The language most recently detected in the customer's messages on this ticket; null when none was. */
export async function contactLanguage(d1: D1Database, ticketId: number): Promise<string | null> {
  const row = await d1
    .prepare(
      `SELECT mt.source_language FROM message_translations mt JOIN messages m ON m.id = mt.message_id
       WHERE m.ticket_id = ?1 AND m.direction = 'in' AND mt.source_language IS NOT NULL
       ORDER BY m.id DESC LIMIT 1`,
    )
    .bind(ticketId)
    .first<{ source_language: string }>();
  return row?.source_language ?? null;
}
