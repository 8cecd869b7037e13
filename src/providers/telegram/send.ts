import type { OutboundRequest, SendResult } from "../types";
import { callBotApi, type BotApiOutcome } from "./bot-api";
import type { TelegramCredentials, TelegramSettings } from "./config";
import { sentMessageSchema } from "./schema";

/**
 * sendMessage / editMessageText accept 1–4096 characters "after entities parsing". The Bot API
 * server hands the text to TDLib, which counts Unicode code points (utf8_length), not UTF-16 units:
 * an emoji counts 1. We send no parse_mode, so the text we count is the text Telegram counts.
 */
export const MAX_TEXT_LENGTH = 4096;

export const textLength = (text: string) => [...text].length;

export async function sendTelegram(
  out: OutboundRequest,
  creds: TelegramCredentials,
  settings: TelegramSettings,
): Promise<SendResult> {
  const length = textLength(out.text);
  if (length > MAX_TEXT_LENGTH) {
    return { ok: false, retryable: false, reason: `text is ${length} characters; Telegram accepts at most ${MAX_TEXT_LENGTH}` };
  }
  const chat_id = chatIdOf(out.to);

  if (out.kind === "text") {
    const res = await callBotApi(creds, settings, "sendMessage", { chat_id, text: out.text });
    if (!res.ok) return failure(res);
    const sent = sentMessageSchema.safeParse(res.result);
    // Telegram took the message: answering "retry" would send it twice.
    if (!sent.success) return { ok: false, retryable: false, reason: "sendMessage succeeded without a message id" };
    return { ok: true, providerMessageId: `${sent.data.chat.id}:${sent.data.message_id}` };
  }

  const message_id = messageIdOf(out.providerMessageId);
  if (message_id === undefined) {
    return { ok: false, retryable: false, reason: `"${out.providerMessageId}" is not a Telegram "<chat id>:<message id>"` };
  }
  const res = await callBotApi(creds, settings, "editMessageText", { chat_id, message_id, text: out.text });
  // Same text as before: Telegram refuses with "message is not modified", yet the copy is current.
  if (res.ok || isNotModified(res)) return { ok: true, providerMessageId: out.providerMessageId };
  return failure(res);
}

/** Numeric chat ids go as numbers; "@channelname" and anything else as the string it is. */
export function chatIdOf(address: string): number | string {
  if (!/^-?\d+$/.test(address)) return address;
  const n = Number(address);
  return Number.isSafeInteger(n) ? n : address;
}

function messageIdOf(providerMessageId: string): number | undefined {
  const colon = providerMessageId.lastIndexOf(":");
  const tail = providerMessageId.slice(colon + 1);
  if (colon < 0 || !/^\d+$/.test(tail)) return undefined;
  const n = Number(tail);
  return Number.isSafeInteger(n) ? n : undefined;
}

function isNotModified(res: BotApiOutcome): boolean {
  return !res.ok && res.errorCode === 400 && /message is not modified/i.test(res.description);
}

function failure(res: Exclude<BotApiOutcome, { ok: true }>): SendResult {
  const { errorCode, description } = res;
  if (res.kind === "network") return { ok: false, retryable: true, reason: description };
  if (errorCode === 429) {
    return res.retryAfterS === undefined
      ? { ok: false, retryable: true, reason: description }
      : { ok: false, retryable: true, retryAfterS: res.retryAfterS, reason: description };
  }
  if (errorCode >= 500 || res.status >= 500) return { ok: false, retryable: true, reason: description };
  // The Bot API answers 401 for a revoked token and 404 for a token that names no bot.
  if (errorCode === 401 || errorCode === 404) {
    return { ok: false, retryable: false, credentialsRejected: true, reason: `Telegram refused the bot token (${errorCode} ${description})` };
  }
  return { ok: false, retryable: false, reason: description };
}
