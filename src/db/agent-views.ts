import { adapterFor } from "../providers/registry";
import type { ProviderKind } from "../providers/types";
import type { ReplyWindowView, TicketView } from "../kinds/views";

// What an agent's view of a ticket adds to the queue object's copy: the ticket's subject and tags
// as D1 has them, how many customer messages the agent has not read, and the provider's reply window.

const HOUR_MS = 3_600_000;

/**
 * The provider's reply window for free-form messages, as the outbox will judge it
 * (`src/outbox/deliver.ts`): from the customer's last message to this contact. `kind` names the
 * window's length ("24h", "7d"), or "none" for providers without one (closesAt null, always open).
 */
export function replyWindowOf(provider: ProviderKind, settings: unknown, lastInboundAt: number | null, now: number): ReplyWindowView {
  const adapter = adapterFor(provider);
  if (!adapter?.replyWindow) return { open: true, closesAt: null, kind: "none" };
  const parsed = adapter.settingsSchema.safeParse(settings);
  if (!parsed.success) return { open: true, closesAt: null, kind: "none" };
  const window = adapter.replyWindow(parsed.data, lastInboundAt, now);
  // The window's length: what it is for a customer who wrote at 0.
  const length = adapter.replyWindow(parsed.data, 0, 0).closesAt ?? 0;
  const hours = Math.round(length / HOUR_MS);
  const kind = hours > 0 && hours % 24 === 0 && hours > 24 ? `${hours / 24}d` : `${hours}h`;
  return { open: window.open, closesAt: window.closesAt, kind };
}

export type TicketExtras = { subject: string | null; tags: string[]; unread: number; replyWindow: ReplyWindowView };

type ExtrasRow = {
  id: number;
  subject: string | null;
  tags: string;
  provider: ProviderKind;
  settings: string;
  unread: number;
  last_inbound_at: number | null;
};

/** For each ticket: subject, tags, unread customer messages (after `userId`'s read mark) and reply window. */
export async function ticketExtras(d1: D1Database, ticketIds: readonly number[], userId: string, now = Date.now()): Promise<Map<number, TicketExtras>> {
  if (ticketIds.length === 0) return new Map();
  const { results } = await ticketExtrasStatement(d1, ticketIds, userId).all<ExtrasRow>();
  return extrasFromRows(results, now);
}

/** The statement `ticketExtras` runs, for a batch that reads them along with other things; read its rows with `extrasFromRows`. */
export function ticketExtrasStatement(d1: D1Database, ticketIds: readonly number[], userId: string): D1PreparedStatement {
  return d1
    .prepare(
      `SELECT t.id, t.subject, t.tags, a.provider, a.settings,
         (SELECT count(*) FROM messages m WHERE m.ticket_id = t.id AND m.direction = 'in' AND m.deleted_at IS NULL
            AND m.id > coalesce((SELECT r.last_read_message_id FROM ticket_reads r WHERE r.ticket_id = t.id AND r.user_id = ?2), 0)) AS unread,
         (SELECT max(coalesce(i.sent_at, i.created_at)) FROM messages i JOIN tickets it ON it.id = i.ticket_id
            WHERE it.contact_id = t.contact_id AND i.direction = 'in') AS last_inbound_at
       FROM tickets t JOIN channel_accounts a ON a.id = t.account_id
       WHERE t.id IN (SELECT value FROM json_each(?1))`,
    )
    .bind(JSON.stringify(ticketIds), userId);
}

export function extrasFromRows(rows: readonly unknown[], now = Date.now()): Map<number, TicketExtras> {
  const out = new Map<number, TicketExtras>();
  for (const r of rows as ExtrasRow[]) {
    out.set(r.id, {
      subject: r.subject,
      tags: JSON.parse(r.tags) as string[],
      unread: r.unread,
      replyWindow: replyWindowOf(r.provider, JSON.parse(r.settings), r.last_inbound_at, now),
    });
  }
  return out;
}

/** The view with what D1 adds (unchanged when D1 had nothing for it). */
export function withExtras(view: TicketView, extras: TicketExtras | undefined): TicketView {
  if (!extras) return view;
  return { ...view, subject: extras.subject, tags: extras.tags, unread: extras.unread, replyWindow: extras.replyWindow };
}

/**
 * Moves the user's read mark on the ticket forward to `messageId` (never back). Null when the
 * message is not one of the ticket's; else the mark now and the customer messages after it.
 */
export async function markRead(d1: D1Database, r: { ticketId: number; userId: string; messageId: number }, now = Date.now()): Promise<{ lastReadMessageId: number; unread: number } | null> {
  const [, state] = await d1.batch<{ last_read_message_id: number; unread: number }>([
    d1
      .prepare(
        `INSERT INTO ticket_reads (ticket_id, user_id, last_read_message_id, updated_at)
         SELECT ?1, ?2, ?3, ?4 WHERE EXISTS (SELECT 1 FROM messages WHERE id = ?3 AND ticket_id = ?1)
         ON CONFLICT (ticket_id, user_id) DO UPDATE SET
           last_read_message_id = max(ticket_reads.last_read_message_id, excluded.last_read_message_id),
           updated_at = excluded.updated_at`,
      )
      .bind(r.ticketId, r.userId, r.messageId, now),
    d1
      .prepare(
        `SELECT r.last_read_message_id,
           (SELECT count(*) FROM messages m WHERE m.ticket_id = r.ticket_id AND m.direction = 'in' AND m.deleted_at IS NULL AND m.id > r.last_read_message_id) AS unread
         FROM ticket_reads r WHERE r.ticket_id = ?1 AND r.user_id = ?2
           AND EXISTS (SELECT 1 FROM messages WHERE id = ?3 AND ticket_id = ?1)`,
      )
      .bind(r.ticketId, r.userId, r.messageId),
  ]);
  const row = state?.results[0];
  return row ? { lastReadMessageId: row.last_read_message_id, unread: row.unread } : null;
}
