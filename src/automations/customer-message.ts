import { loadQueueRouting, type ReceivingAccount } from "../db/account-lookup";
import type { IngestOutcome } from "../db/ingest";
import type { Env } from "../env";
import type { InboundEvent } from "../providers/types";
import { greetings, render, templateVars, type PlannedMessage } from "./automatic-messages";
import { parseCommand } from "./commands";
import { botAnswerKey, chatbotAnswered, consultChatbot } from "./consult-chatbot";
import { announceArrival, routeToQueue } from "./queue-arrival";
import { runCommand } from "./run-command";
import { tellCustomer, tellCustomerAll } from "../outbox/tell-customer";

type MessageEvent = Extract<InboundEvent, { kind: "message" }>;

/** The business hours that apply are the ticket's queue's, when it has its own, else the account's. */
async function withQueueHours(env: Env, account: ReceivingAccount, queueId: string): Promise<ReceivingAccount> {
  const routing = queueId === account.queueId ? account.routing : await loadQueueRouting(env.DB, queueId);
  if (!routing?.businessHours) return account;
  return { ...account, conversation: { ...account.conversation, businessHours: routing.businessHours } };
}

/**
 * What follows a stored customer message: a command is carried out; otherwise the chatbot, when
 * the account has one and nobody holds the ticket, may answer it; otherwise the ticket goes to
 * its queue. Welcome, new conversation, out of hours and queue position messages are sent along
 * the way, each once. A retried webhook comes here too: everything it would repeat is keyed.
 */
export async function handleCustomerMessage(env: Env, receiving: ReceivingAccount, outcome: IngestOutcome, event: Pick<MessageEvent, "sentAt" | "ephemeral">, receivedAt = Date.now()) {
  if (outcome.result === "unknown_message" || !outcome.ticket || !outcome.message) return;
  const { ticket, message } = outcome;
  if (ticket.status === "closed") return;
  const account = await withQueueHours(env, receiving, ticket.queueId);
  const s = account.conversation;
  const here = { ticketId: ticket.id, queueId: ticket.queueId };
  // Hours are judged when the customer wrote (the provider's time), never later than receipt: a
  // webhook delivered late does not turn a message written while open into an out-of-hours one.
  const at = Math.min(event.sentAt, receivedAt);
  const stored = outcome.result === "stored";
  let pending: readonly PlannedMessage[] = stored
    ? greetings(s, { contactCreated: outcome.contactCreated, conversationCreated: outcome.conversationCreated, conversationId: outcome.conversationId })
    : [];
  const sendGreetings = async () => {
    const vars = templateVars(s, { contactName: ticket.contact.name, ticketId: ticket.id, queueName: ticket.queueName, accountName: account.name, status: null });
    await tellCustomerAll(env, here, render(pending, vars));
    pending = [];
  };

  const command = s.multipleConversations ? parseCommand(message.body, s.commands) : null;
  if (command) {
    await sendGreetings();
    // The command stays in the history; the agent holding the ticket sees it, the queue is not involved.
    await env.QUEUE_OBJECT.getByName(ticket.queueId).messageAdded(message);
    await runCommand(env, account, ticket, message, command, at);
    return;
  }

  if (s.chatbot && ticket.status !== "assigned") {
    if (stored) {
      await sendGreetings();
      const answer = await consultChatbot(env, account, ticket, message);
      if (answer !== null) {
        await tellCustomer(env, here, { key: botAnswerKey(message.id), text: answer });
        return;
      }
    } else if (await chatbotAnswered(env.DB, ticket.id, message.id)) {
      return;
    }
  }

  // A retry re-notifies the queue too: its object delivers each message once, so a lost notice heals.
  const { state, away } = await routeToQueue(env, account, ticket, message, event.ephemeral);
  await announceArrival(env, account, ticket, { conversationId: outcome.conversationId, state, pending, at, away });
}
