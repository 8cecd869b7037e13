// Everything a ticket's transcript shows, read in one D1 batch.
import type { AttachmentMeta, MessageStatus } from "../kinds/message";
import { transcriptZone, type Transcript, type TranscriptMessage } from "../domain/transcript";

type TicketRow = {
  id: number;
  status: string;
  subject: string | null;
  tags: string;
  disposition: string | null;
  created_at: number;
  closed_at: number | null;
  assignee_id: string | null;
  assignee_name: string | null;
  account_id: string;
  account_name: string;
  provider: string;
  conversation: string;
  queue_id: string;
  queue_name: string;
  routing: string;
  contact_id: number;
  contact_name: string;
  external_id: string;
  username: string | null;
};

type MessageRow = {
  id: number;
  conversation_id: number | null;
  direction: TranscriptMessage["direction"];
  author_id: string | null;
  author_name: string | null;
  body: string;
  attachments: string;
  status: MessageStatus;
  status_reason: string | null;
  provider_message_id: string | null;
  sent_at: number | null;
  created_at: number;
  updated_at: number;
  edited_at: number | null;
  deleted_at: number | null;
  reaction: string | null;
  reply_to: string | null;
  t_language: string | null;
  t_text: string | null;
  t_source: string | null;
};

const parse = <T>(json: string, fallback: T): T => {
  try {
    return JSON.parse(json) as T;
  } catch {
    return fallback;
  }
};

/**
 * The ticket's transcript, or null when there is no such ticket. Times are shown in the account's
 * business hours' zone, else its queue's, else UTC (docs/interactions.md).
 */
export async function loadTranscript(d1: D1Database, ticketId: number): Promise<Transcript | null> {
  const [tickets, conversations, messages, revisions] = await d1.batch<Record<string, unknown>>([
    d1
      .prepare(
        `SELECT t.id, t.status, t.subject, t.tags, t.disposition, t.created_at, t.closed_at, t.assignee_id, u.display_name AS assignee_name,
           a.id AS account_id, a.name AS account_name, a.provider, a.conversation, q.id AS queue_id, q.name AS queue_name, q.routing,
           c.id AS contact_id, c.display_name AS contact_name, c.external_id, c.username
         FROM tickets t JOIN channel_accounts a ON a.id = t.account_id JOIN queues q ON q.id = t.queue_id JOIN contacts c ON c.id = t.contact_id
           LEFT JOIN users u ON u.id = t.assignee_id
         WHERE t.id = ?1`,
      )
      .bind(ticketId),
    d1.prepare("SELECT id, started_at, ended_at, end_reason FROM conversations WHERE ticket_id = ?1 ORDER BY id").bind(ticketId),
    d1
      .prepare(
        `SELECT m.id, m.conversation_id, m.direction, m.author_id, u.display_name AS author_name, m.body, m.attachments, m.status, m.status_reason,
           m.provider_message_id, m.sent_at, m.created_at, m.updated_at, m.edited_at, m.deleted_at, m.reaction, m.reply_to,
           mt.language AS t_language, mt.text AS t_text, mt.source_language AS t_source
         FROM messages m LEFT JOIN users u ON u.id = m.author_id LEFT JOIN message_translations mt ON mt.message_id = m.id
         WHERE m.ticket_id = ?1 ORDER BY m.id`,
      )
      .bind(ticketId),
    d1
      .prepare(
        `SELECT r.message_id, r.body, r.replaced_at FROM message_revisions r JOIN messages m ON m.id = r.message_id
         WHERE m.ticket_id = ?1 ORDER BY r.id`,
      )
      .bind(ticketId),
  ]);
  const t = tickets?.results[0] as TicketRow | undefined;
  if (!t) return null;
  const earlier = new Map<number, { body: string; replacedAt: number }[]>();
  for (const r of (revisions?.results ?? []) as { message_id: number; body: string; replaced_at: number }[]) {
    earlier.set(r.message_id, [...(earlier.get(r.message_id) ?? []), { body: r.body, replacedAt: r.replaced_at }]);
  }
  const accountHours = parse<{ businessHours?: { timezone?: unknown } | null }>(t.conversation, {}).businessHours;
  const queueHours = parse<{ businessHours?: { timezone?: unknown } | null }>(t.routing, {}).businessHours;
  return {
    ticket: {
      id: t.id,
      status: t.status,
      subject: t.subject,
      tags: parse<string[]>(t.tags, []),
      disposition: t.disposition,
      createdAt: t.created_at,
      closedAt: t.closed_at,
      assignee: t.assignee_id ? { id: t.assignee_id, name: t.assignee_name } : null,
    },
    account: { id: t.account_id, name: t.account_name, provider: t.provider },
    queue: { id: t.queue_id, name: t.queue_name },
    contact: { id: t.contact_id, name: t.contact_name, handle: t.external_id, username: t.username },
    conversations: ((conversations?.results ?? []) as { id: number; started_at: number; ended_at: number | null; end_reason: string | null }[]).map((c) => ({
      id: c.id,
      startedAt: c.started_at,
      endedAt: c.ended_at,
      endReason: c.end_reason,
    })),
    messages: ((messages?.results ?? []) as MessageRow[]).map((m) => ({
      id: m.id,
      conversationId: m.conversation_id,
      direction: m.direction,
      author: m.author_id ? { id: m.author_id, name: m.author_name } : null,
      body: m.body,
      attachments: parse<AttachmentMeta[]>(m.attachments, []),
      status: m.status,
      statusReason: m.status_reason,
      providerMessageId: m.provider_message_id,
      sentAt: m.sent_at,
      createdAt: m.created_at,
      updatedAt: m.updated_at,
      editedAt: m.edited_at,
      deletedAt: m.deleted_at,
      reaction: m.reaction,
      replyTo: m.reply_to,
      revisions: earlier.get(m.id) ?? [],
      translation: m.t_language !== null && m.t_text !== null ? { language: m.t_language, text: m.t_text, sourceLanguage: m.t_source } : null,
    })),
    timeZone: transcriptZone(accountHours?.timezone, queueHours?.timezone),
  };
}
