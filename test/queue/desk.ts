import { env } from "cloudflare:workers";
import { AgentClient, createUser, postTelegram, telegramUpdate } from "../helpers/hub";

// What the agent-desk tests share: a queue with a Telegram account, agents on sockets, the
// customer's messages through the real webhook, and what the Bot API was asked to send.

export { setConversation } from "../helpers/hub";
export { cleanUp, connect, desk, stubBotApi, type BotCall } from "../helpers/session";

let updateId = 3_000_000;
let customerSeq = 7_300_000;

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
