import { storeSystemMessage, storeSystemMessages } from "../db/system-messages";
import type { Env } from "../env";
import type { MessageView } from "../kinds/views";
import { enqueueDelivery } from "./enqueue";

// What the hub says to a customer on its own (greetings, away, queue position, answers to
// commands, the chatbot's words): stored once per ticket and key, then sent through the outbox and
// shown to the agent holding the ticket. Every such message goes through here.

export type TicketRef = { ticketId: number; queueId: string };

/** A message of the hub to the ticket's customer, rendered, with the key that makes it once per ticket. */
export type CustomerNotice = { key: string; text: string };

/** Shows a stored message to the agent holding its ticket: the queue object's `messageAdded`. */
export type ShowToAgent = (message: MessageView) => Promise<void> | void;

/** Over RPC, from outside the queue object; the object itself passes its own `messageAdded`. */
const showOverRpc = (env: Env, queueId: string): ShowToAgent => (message) => env.QUEUE_OBJECT.getByName(queueId).messageAdded(message);

/** Sends a stored system message: through the outbox to the customer, and to the agent holding the ticket. */
export async function sendSystemMessage(env: Env, queueId: string, message: MessageView, show: ShowToAgent = showOverRpc(env, queueId)) {
  await enqueueDelivery(env, message);
  await show(message);
}

/**
 * Stores and sends one of the hub's own messages, once per ticket and key: null when it was
 * stored before (a retry, a timer firing twice) or the ticket is closed. Blank text says nothing.
 */
export async function tellCustomer(env: Env, to: TicketRef, m: CustomerNotice, show?: ShowToAgent): Promise<MessageView | null> {
  if (!m.text.trim()) return null;
  const message = await storeSystemMessage(env.DB, { ticketId: to.ticketId, text: m.text, key: m.key });
  if (message) await sendSystemMessage(env, to.queueId, message, show);
  return message;
}

/** In order: all stored in one D1 batch, then each on its way before the next. */
export async function tellCustomerAll(env: Env, to: TicketRef, messages: readonly CustomerNotice[]) {
  const stored = await storeSystemMessages(env.DB, to.ticketId, messages.filter((m) => m.text.trim()));
  for (const message of stored) await sendSystemMessage(env, to.queueId, message);
}
