import { asc, eq, sql } from "drizzle-orm";
import { channelAccounts, contacts, messageRevisions, messages, queueMembers, tickets } from "./schema";
import { conversationSettingsSchema, defaultConversationSettings, resolveConversationSettings, type ConversationSettings } from "../domain/conversation-settings";
import type { Db } from "./database";
import { ticketUpdateAudit } from "./audit";
import { parseTemplateBodies, templateBodiesSql } from "./templates";

export type TicketRow = typeof tickets.$inferSelect;
export type TicketStatus = TicketRow["status"];

export const getTicket = (db: Db, id: number) => db.select().from(tickets).where(eq(tickets.id, id)).get();

export const getContact = (db: Db, id: number) => db.select().from(contacts).where(eq(contacts.id, id)).get();

export const listTicketMessages = (db: Db, ticketId: number) =>
  db.select().from(messages).where(eq(messages.ticketId, ticketId)).orderBy(asc(messages.id)).all();

/** Earlier versions of the ticket's edited messages, oldest first, by message id. */
export async function ticketRevisions(db: Db, ticketId: number): Promise<Map<number, { body: string; replacedAt: number }[]>> {
  const rows = await db
    .select({ messageId: messageRevisions.messageId, body: messageRevisions.body, replacedAt: messageRevisions.replacedAt })
    .from(messageRevisions)
    .innerJoin(messages, eq(messages.id, messageRevisions.messageId))
    .where(eq(messages.ticketId, ticketId))
    .orderBy(asc(messageRevisions.id))
    .all();
  const out = new Map<number, { body: string; replacedAt: number }[]>();
  for (const r of rows) out.set(r.messageId, [...(out.get(r.messageId) ?? []), { body: r.body, replacedAt: r.replacedAt }]);
  return out;
}

/** The conversation settings of an account, as stored (defaults for what it does not set), the library templates they name in place. */
export async function loadConversationSettings(d1: D1Database, accountId: string): Promise<ConversationSettings> {
  const row = await d1
    .prepare(`SELECT a.conversation, ${templateBodiesSql("a.conversation")} AS templates FROM channel_accounts a WHERE a.id = ?1`)
    .bind(accountId)
    .first<{ conversation: string; templates: string | null }>();
  const parsed = conversationSettingsSchema.safeParse(row ? JSON.parse(row.conversation) : {});
  return parsed.success ? resolveConversationSettings(parsed.data, parseTemplateBodies(row?.templates)) : defaultConversationSettings;
}

/** What closing a ticket takes: its account's dispositions, and whether one is required. */
export type Closing = { dispositions: string[]; dispositionRequired: boolean };

/**
 * A ticket as its detail shows it, in one read: the row, what closing it takes (from its account's
 * settings, parsed as the close parses them) and whether `userId` is a member of its queue.
 */
export async function ticketForDetail(db: Db, id: number, userId: string): Promise<{ ticket: TicketRow; closing: Closing; member: boolean } | undefined> {
  const row = await db
    .select({
      ticket: tickets,
      conversation: channelAccounts.conversation,
      member: sql<number>`EXISTS (SELECT 1 FROM ${queueMembers} WHERE ${queueMembers.queueId} = ${tickets.queueId} AND ${queueMembers.userId} = ${userId})`,
    })
    .from(tickets)
    .leftJoin(channelAccounts, eq(channelAccounts.id, tickets.accountId))
    .where(eq(tickets.id, id))
    .get();
  if (!row) return undefined;
  const parsed = conversationSettingsSchema.safeParse(row.conversation ?? {});
  const s = parsed.success ? parsed.data : defaultConversationSettings;
  return { ticket: row.ticket, closing: { dispositions: s.dispositions, dispositionRequired: s.mandatoryDisposition }, member: Boolean(row.member) };
}

export type DispositionRefusal = { code: "disposition_required" | "unknown_disposition"; message: string };

/**
 * Whether a close may go ahead with this disposition: one from the account's list, required when
 * the account has Mandatory Disposition. Null when it may.
 */
export function dispositionRefusal(settings: Pick<ConversationSettings, "dispositions" | "mandatoryDisposition">, disposition: string | undefined): DispositionRefusal | null {
  const list = settings.dispositions;
  if (disposition === undefined) {
    return settings.mandatoryDisposition ? { code: "disposition_required", message: `Closing needs a disposition, one of: ${list.join(", ")}` } : null;
  }
  if (list.includes(disposition)) return null;
  if (settings.mandatoryDisposition) return { code: "disposition_required", message: `"${disposition}" is not a disposition of this account; one of: ${list.join(", ")}` };
  return {
    code: "unknown_disposition",
    message: list.length > 0 ? `"${disposition}" is not a disposition of this account; one of: ${list.join(", ")}` : "This account has no dispositions",
  };
}

/** The statement setting an open ticket's subject and/or tags; it returns the row's `subject, tags` (none when not open). */
function updateTicketFieldsStatement(d1: D1Database, ticketId: number, u: { subject?: string | null; tags?: string[] }, now: number): D1PreparedStatement {
  return d1
    .prepare(
      `UPDATE tickets SET subject = CASE WHEN ?2 THEN ?3 ELSE subject END, tags = CASE WHEN ?4 THEN ?5 ELSE tags END, updated_at = ?6
       WHERE id = ?1 AND status != 'closed' RETURNING subject, tags`,
    )
    .bind(ticketId, u.subject !== undefined ? 1 : 0, u.subject ?? null, u.tags !== undefined ? 1 : 0, JSON.stringify(u.tags ?? []), now);
}

/** Sets an open ticket's subject and/or tags; null when there is no such open ticket. */
export async function updateTicketFields(
  d1: D1Database,
  ticketId: number,
  u: { subject?: string | null; tags?: string[] },
  now = Date.now(),
): Promise<{ subject: string | null; tags: string[] } | null> {
  const row = await updateTicketFieldsStatement(d1, ticketId, u, now).first<{ subject: string | null; tags: string }>();
  return row ? { subject: row.subject, tags: JSON.parse(row.tags) as string[] } : null;
}

/** Sets an open ticket's subject and/or tags for `actorId`, with the audit entry in the same batch; null when there is no such open ticket. */
export async function updateTicketFieldsAudited(
  d1: D1Database,
  ticketId: number,
  u: { subject?: string | null; tags?: string[] },
  actorId: string,
  now = Date.now(),
): Promise<{ subject: string | null; tags: string[] } | null> {
  const [updated] = await d1.batch<{ subject: string | null; tags: string }>([
    updateTicketFieldsStatement(d1, ticketId, u, now),
    ticketUpdateAudit(d1, actorId, ticketId, u, now),
  ]);
  const row = updated?.results[0];
  return row ? { subject: row.subject, tags: JSON.parse(row.tags) as string[] } : null;
}
