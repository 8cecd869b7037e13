import { env } from "cloudflare:workers";
import { vi } from "vitest";
import type { RoutingConfig } from "../../src/domain/routing-config";
import { createUser, postTelegram, telegramUpdate } from "../helpers/hub";
import { connect, desk, stubBotApi, textsTo, type Handler } from "../helpers/session";

export { setConversation } from "../helpers/hub";

/** A Telegram account (its id and key) with these conversation settings, on a new tracked queue (`queueId`). */
export async function telegramAccount(conversation?: Record<string, unknown>, routing: Partial<RoutingConfig> = {}) {
  const { queueId, account } = await desk({ conversation, routing });
  return { ...account, queueId };
}

/** Stubs fetch (see stubBotApi); `textsTo(chatId)` is what that customer was sent. */
export function stubNetwork(others: Record<string, Handler> = {}) {
  const calls = stubBotApi({ firstMessageId: 5001, others });
  return { textsTo: (chatId: number) => textsTo(calls, chatId) };
}

let updateId = 700_000;

/** The customer `userId` writes `text`; `at` is the moment Telegram says it was written (epoch ms). */
export async function customerWrites(key: string, userId: number, messageId: number, text: string, at?: number) {
  const res = await postTelegram(
    key,
    telegramUpdate({ updateId: ++updateId, userId, messageId, text, ...(at === undefined ? {} : { date: Math.floor(at / 1000) }) }),
  );
  if (res.status !== 200) throw new Error(`webhook answered ${res.status}: ${await res.text()}`);
  return res;
}

/** An agent of the queue, on their socket, takes the ticket that `customer`'s first message `text` opens. */
export async function agentTakes(queueId: string, key: string, customer: number, text: string) {
  const agent = await createUser({ queues: [queueId] });
  const desk = await connect(agent.token, queueId);
  await customerWrites(key, customer, 1, text);
  const { ticket } = await desk.next("offer");
  desk.send({ type: "accept", ticketId: ticket.id });
  await desk.next("ticket.assigned");
  return { desk, ticket };
}

export async function contactOf(accountId: string, userId: number) {
  return (await env.DB.prepare("SELECT id FROM contacts WHERE account_id = ?1 AND external_id = ?2").bind(accountId, String(userId)).first<{ id: number }>())!.id;
}

export type StoredMessage = { id: number; ticket_id: number; conversation_id: number | null; direction: string; body: string; client_msg_id: string | null; status: string };

/** Every message of the contact's tickets, oldest first. */
export async function historyOf(accountId: string, userId: number): Promise<StoredMessage[]> {
  const { results } = await env.DB.prepare(
    `SELECT m.id, m.ticket_id, m.conversation_id, m.direction, m.body, m.client_msg_id, m.status FROM messages m
     JOIN tickets t ON t.id = m.ticket_id JOIN contacts c ON c.id = t.contact_id
     WHERE c.account_id = ?1 AND c.external_id = ?2 ORDER BY m.id`,
  )
    .bind(accountId, String(userId))
    .all<StoredMessage>();
  return results;
}

export async function systemMessagesOf(accountId: string, userId: number) {
  return (await historyOf(accountId, userId)).filter((m) => m.direction === "system");
}

export type TicketRow = { id: number; status: string; current: number | null; subject: string | null; queue_id: string };

export async function ticketsOf(accountId: string, userId: number): Promise<TicketRow[]> {
  const { results } = await env.DB.prepare(
    `SELECT t.id, t.status, t.current, t.subject, t.queue_id FROM tickets t JOIN contacts c ON c.id = t.contact_id
     WHERE c.account_id = ?1 AND c.external_id = ?2 ORDER BY t.id`,
  )
    .bind(accountId, String(userId))
    .all<TicketRow>();
  return results;
}

/** Waits until the outbox consumer has handed the customer `count` messages (it runs for real, in the background). */
export async function delivered(textsTo: () => string[], count: number) {
  await vi.waitFor(() => {
    if (textsTo().length < count) throw new Error(`${textsTo().length} of ${count} messages delivered so far`);
  }, { timeout: 10_000, interval: 25 });
  return textsTo();
}

/** An agent closed the ticket (as the agent side writes it): its conversation ends, it is no longer current. */
export async function closeTicketInD1(ticketId: number, now = Date.now()) {
  await env.DB.batch([
    env.DB.prepare("UPDATE tickets SET status = 'closed', current = NULL, closed_at = ?2, updated_at = ?2 WHERE id = ?1").bind(ticketId, now),
    env.DB.prepare("UPDATE conversations SET open = NULL, ended_at = ?2, end_reason = 'ticket_closed' WHERE ticket_id = ?1 AND open = 1").bind(ticketId, now),
  ]);
}

/** A conversation timer ended the ticket's conversation; the ticket stays open and current. */
export async function endConversationInD1(ticketId: number, now = Date.now()) {
  await env.DB.prepare("UPDATE conversations SET open = NULL, ended_at = ?2, end_reason = 'session_timeout' WHERE ticket_id = ?1 AND open = 1").bind(ticketId, now).run();
}
