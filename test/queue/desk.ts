import { env } from "cloudflare:workers";
import { vi } from "vitest";
import type { ConversationSettings } from "../../src/domain/conversation-settings";
import type { RoutingConfig } from "../../src/domain/routing-config";
import { AgentClient, BOT_API, BOT_TOKEN, createQueue, createTelegramAccount, createUser, fireTimers, postTelegram, settle, telegramUpdate } from "../helpers/hub";

// What the agent-desk tests share: a queue with a Telegram account, agents on sockets, the
// customer's messages through the real webhook, and what the Bot API was asked to send.

export type BotCall = { method: string; body: any };

let updateId = 3_000_000;
let customerSeq = 7_300_000;

const clients: AgentClient[] = [];
const queues: string[] = [];

/** Stubs the Bot API: every call is recorded and answered ok with a fresh message id. */
export function stubBotApi(): BotCall[] {
  const calls: BotCall[] = [];
  vi.stubGlobal(
    "fetch",
    vi.fn(async (input: RequestInfo | URL, init?: RequestInit) => {
      const url = String(input);
      if (!url.startsWith(`${BOT_API}/bot${BOT_TOKEN}/`)) throw new Error(`unexpected fetch ${url}`);
      const method = url.slice(url.lastIndexOf("/") + 1);
      const body = JSON.parse(String(init?.body));
      calls.push({ method, body });
      return Response.json({ ok: true, result: { message_id: 900 + calls.length, date: 1763700200, chat: { id: body.chat_id, type: "private" }, text: body.text } });
    }),
  );
  return calls;
}

/** Closes every socket and runs every queue's timers, so one test leaves nothing behind for the next. */
export async function cleanUp() {
  for (const c of clients.splice(0)) c.close();
  await settle();
  for (const q of queues.splice(0)) await fireTimers(q).catch(() => undefined);
  vi.unstubAllGlobals();
}

export async function connect(token: string, queueId: string, lastSeq?: number) {
  const c = await AgentClient.connect(token, queueId, lastSeq);
  clients.push(c);
  return c;
}

/** A queue (named `queueName`) with a Telegram account whose conversation settings are `conversation`. */
export async function desk(o: { routing?: Partial<RoutingConfig>; conversation?: Partial<ConversationSettings> | Record<string, unknown>; queueName?: string } = {}) {
  const queueId = await createQueue(o.routing);
  queues.push(queueId);
  if (o.queueName) await env.DB.prepare("UPDATE queues SET name = ?2 WHERE id = ?1").bind(queueId, o.queueName).run();
  const account = await createTelegramAccount(queueId);
  if (o.conversation) await setConversation(account.id, o.conversation);
  return { queueId, account, key: account.key };
}

export async function setConversation(accountId: string, conversation: Record<string, unknown>) {
  await env.DB.prepare("UPDATE channel_accounts SET conversation = ?2 WHERE id = ?1").bind(accountId, JSON.stringify(conversation)).run();
}

export async function agentIn(queueId: string, name = "Ayşe Yılmaz", capacity = 3) {
  return createUser({ queues: [queueId], name, capacity });
}

/** A new customer (a Telegram chat id). */
export const newCustomer = () => ++customerSeq;

/** The customer writes on Telegram; returns the webhook's status. */
export async function customerWrites(key: string, customer: number, text: string, messageId = updateId) {
  const res = await postTelegram(key, telegramUpdate({ updateId: ++updateId, userId: customer, messageId, text, firstName: "Zeynep" }));
  return res.status;
}

/** A customer writes and `agent` accepts the offer: the ticket is theirs. */
export async function heldTicket(key: string, agent: AgentClient, text = "Merhaba, siparişim nerede? 📦") {
  const customer = newCustomer();
  await customerWrites(key, customer, text);
  const offer = await agent.next("offer");
  agent.send({ type: "accept", ticketId: offer.ticket.id });
  const assigned = await agent.next("ticket.assigned");
  return { ticketId: offer.ticket.id as number, customer, offer, assigned };
}

export async function messagesOf(ticketId: number) {
  const { results } = await env.DB.prepare("SELECT * FROM messages WHERE ticket_id = ?1 ORDER BY id").bind(ticketId).all<any>();
  return results;
}
