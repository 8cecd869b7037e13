import type { ReceivingAccount } from "../db/account-lookup";
import type { ConversationSettings } from "../domain/conversation-settings";
import { routingVersion } from "../domain/routing-version";
import type { Env } from "../env";
import type { MessageView, TicketView } from "../kinds/views";
import { needsQueueStatus, outOfHours, positionOnArrival, render, templateVars, type PlannedMessage, type QueueStatus } from "./automatic-messages";
import { tellCustomerAll } from "../outbox/tell-customer";

export type RoutableTicket = TicketView & { queueId: string; queueName: string; assigneeId: string | null; lastAgentId: string | null };

/** Hands a customer message to its ticket's queue object, which queues the ticket or tells the agent holding it. */
export async function routeToQueue(env: Env, account: ReceivingAccount, ticket: RoutableTicket, message: MessageView, ephemeral?: { kind: "story_mention"; url: string }) {
  const { queueId, assigneeId, lastAgentId } = ticket;
  const view: TicketView = {
    id: ticket.id,
    accountId: ticket.accountId,
    accountName: ticket.accountName,
    accountShortKey: ticket.accountShortKey ?? null,
    provider: ticket.provider,
    contact: ticket.contact,
    subject: ticket.subject,
    createdAt: ticket.createdAt,
  };
  return env.QUEUE_OBJECT.getByName(queueId).routeInbound({
    ticket: view,
    assigneeId,
    lastAgentId,
    message,
    // The object keeps its queue's configuration: only which one the account's queue has now is sent (a ticket moved to another queue goes by that queue's own).
    ...(queueId === account.queueId ? { configVersion: routingVersion(account.routing) } : {}),
    settingsJson: settingsJson(account.conversation),
    ephemeral,
  });
}

/** Each account's settings as JSON, made once per settings object (the account is kept in the isolate's memory). */
const jsonOf = new WeakMap<ConversationSettings, string>();

function settingsJson(settings: ConversationSettings): string {
  let json = jsonOf.get(settings);
  if (json === undefined) jsonOf.set(settings, (json = JSON.stringify(settings)));
  return json;
}

/**
 * The automatic messages due once a ticket went to its queue, in the order the customer reads
 * them: `pending` ones (greetings not sent yet), out of hours when the message was written while
 * closed, the queue's `away` message (rendered by its object), and the position on arrival while
 * the ticket waits. The queue's object is asked for the position only when a message needs it.
 */
export async function announceArrival(
  env: Env,
  account: ReceivingAccount,
  ticket: RoutableTicket,
  o: { conversationId: number | null; state: string; pending: readonly PlannedMessage[]; at: number; away?: { key: string; text: string } },
) {
  const s = account.conversation;
  const planned = [...o.pending, ...outOfHours(s, o.conversationId, o.at)];
  const mayWait = o.state !== "assigned";
  let status: QueueStatus | null = null;
  if (mayWait && (s.messages.queuePosition !== "" || needsQueueStatus(planned))) {
    status = await env.QUEUE_OBJECT.getByName(ticket.queueId).queueStatus(ticket.id);
  }
  const position = positionOnArrival(s, o.conversationId, status);
  if (planned.length === 0 && position.length === 0 && !o.away) return;
  const vars = templateVars(s, { contactName: ticket.contact.name, ticketId: ticket.id, queueName: ticket.queueName, accountName: account.name, status });
  const messages = [...render(planned, vars), ...(o.away ? [o.away] : []), ...render(position, vars)];
  await tellCustomerAll(env, { ticketId: ticket.id, queueId: ticket.queueId }, messages);
}
