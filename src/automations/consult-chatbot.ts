import type { ReceivingAccount } from "../db/account-lookup";
import type { TicketState } from "../db/ingest";
import { systemMessageStored } from "../db/system-messages";
import type { Env } from "../env";
import type { MessageView } from "../kinds/views";
import { unseal } from "../security/crypto";
import { askChatbot } from "./chatbot";

/** The once-key of the bot's answer to one customer message. */
export const botAnswerKey = (messageId: number) => `bot:${messageId}`;

/**
 * Asks the account's chatbot about a customer message: the text to send when the bot answers,
 * null when the conversation goes to the queue (a handoff, or any failure, which is logged).
 */
export async function consultChatbot(env: Env, account: ReceivingAccount, ticket: TicketState, message: MessageView): Promise<string | null> {
  const bot = account.conversation.chatbot;
  if (!bot) return null;
  const fail = (reason: string) => {
    console.error(JSON.stringify({ event: "chatbot_failed", accountId: account.id, ticketId: ticket.id, messageId: message.id, url: bot.url, reason }));
    return null;
  };
  const sealed = account.chatbotSecret;
  if (!sealed) return fail("no signing secret: set the chatbot through the admin API, which generates one");
  const outcome = await askChatbot(bot, await unseal(env.SECRETS_KEY, sealed), {
    event: "message",
    account: { id: account.id, name: account.name, provider: account.provider },
    contact: ticket.contact,
    ticket: { id: ticket.id },
    message: { id: message.id, text: message.body, attachments: message.attachments },
  });
  if (outcome.action === "reply") return outcome.text;
  return outcome.error ? fail(outcome.error) : null;
}

/** Whether the bot already answered this message (a retried webhook must not put it in the queue). */
export function chatbotAnswered(d1: D1Database, ticketId: number, messageId: number): Promise<boolean> {
  return systemMessageStored(d1, ticketId, botAnswerKey(messageId));
}
