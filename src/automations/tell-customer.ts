import { storeSystemMessage } from "../db/system-messages";
import type { Env } from "../env";
import type { MessageView } from "../kinds/views";

export type TicketRef = { ticketId: number; queueId: string };

/** Sends a stored system message: through the outbox to the customer, and to the agent holding the ticket. */
export async function deliver(env: Env, queueId: string, message: MessageView) {
  await env.OUTBOX.send({ messageId: message.id, ticketId: message.ticketId, op: "send" });
  await env.QUEUE_OBJECT.getByName(queueId).messageAdded(message);
}

/** Stores and sends one of the hub's own messages, once per ticket and key. */
export async function tellCustomer(env: Env, to: TicketRef, m: { key: string; text: string }): Promise<MessageView | null> {
  const message = await storeSystemMessage(env.DB, { ticketId: to.ticketId, text: m.text, key: m.key });
  if (message) await deliver(env, to.queueId, message);
  return message;
}

/** In order: each is stored and on its way before the next. */
export async function tellCustomerAll(env: Env, to: TicketRef, messages: readonly { key: string; text: string }[]) {
  for (const m of messages) await tellCustomer(env, to, m);
}
