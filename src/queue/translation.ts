import { contactLanguage, deleteTranslation, saveTranslation } from "../db/translations";
import type { TranslationConfig } from "../domain/routing-config";
import type { Env } from "../env";
import { sameLanguage, TranslationError, translatorFor } from "../translation";
import type { MessageView } from "../kinds/views";

// Where the queue object translates: a customer's message for the agent, an agent's reply for the
// customer. Nothing here throws: a translation that fails leaves the message as it is, never lost.

type TranslationEnv = Pick<Env, "DB" | "LIBRETRANSLATE_API_KEY">;

export type InboundTranslation = { messageId: number; language: string; text: string; sourceLanguage: string | null };

/** `original` is what the agent wrote, to keep with the stored reply (`saveReplyOriginal`). */
export type ReplyTranslation = {
  text: string;
  original: { language: string; text: string; contactLanguage: string } | null;
};

/**
 * Translates a customer's message into the agents' language and stores it. Null when the queue
 * does not translate, the message has no text, it is already in the agents' language, or the
 * translation failed (logged).
 */
export async function translateInbound(env: TranslationEnv, config: TranslationConfig, message: MessageView): Promise<InboundTranslation | null> {
  if (config.provider === "none" || message.direction !== "in") return null;
  const translated = await translateAndSave(env, config, message);
  // An edited message's earlier translation must not stand for its new text.
  if (!translated && message.editedAt !== null) {
    await deleteTranslation(env.DB, message.id).catch((err) => logFailure("translation_stale_delete_failed", message.id, err));
  }
  return translated;
}

async function translateAndSave(
  env: TranslationEnv,
  config: Exclude<TranslationConfig, { provider: "none" }>,
  message: MessageView,
): Promise<InboundTranslation | null> {
  const translator = translatorFor(config, env);
  if (!translator || message.body.trim() === "") return null;
  try {
    const out = await translator.translate(message.body, { to: config.agentLanguage });
    if (out.detectedLanguage !== null && sameLanguage(out.detectedLanguage, config.agentLanguage)) return null;
    // Nothing to translate (emoji, numbers, a URL): the agent already reads it as it is.
    if (out.text === message.body) return null;
    const t = { messageId: message.id, language: config.agentLanguage, text: out.text, sourceLanguage: out.detectedLanguage };
    return (await saveTranslation(env.DB, t)) ? t : null;
  } catch (err) {
    logFailure("translation_inbound_failed", message.id, err);
    return null;
  }
}

/**
 * The text to send for an agent's reply: translated into the customer's language when the queue
 * translates replies and the language detected in the customer's messages differs from the agents'.
 * Otherwise, and when translation fails (logged), the agent's own text.
 */
export async function translateReply(env: TranslationEnv, config: TranslationConfig, ticketId: number, text: string): Promise<ReplyTranslation> {
  const untranslated = { text, original: null };
  if (config.provider === "none" || !config.translateReplies || text.trim() === "") return untranslated;
  try {
    const to = await contactLanguage(env.DB, ticketId);
    if (to === null || sameLanguage(to, config.agentLanguage)) return untranslated;
    const translator = translatorFor(config, env);
    if (!translator) return untranslated;
    const out = await translator.translate(text, { from: config.agentLanguage, to });
    return { text: out.text, original: { language: config.agentLanguage, text, contactLanguage: to } };
  } catch (err) {
    console.error(JSON.stringify({ event: "translation_reply_failed", ticketId, ...describe(err) }));
    return untranslated;
  }
}

/** Keeps the agent's original text with the stored (translated) reply. A failure is logged: the reply goes out regardless. */
export async function saveReplyOriginal(env: Pick<Env, "DB">, messageId: number, original: NonNullable<ReplyTranslation["original"]>): Promise<void> {
  try {
    await saveTranslation(env.DB, { messageId, language: original.language, text: original.text, sourceLanguage: original.contactLanguage });
  } catch (err) {
    logFailure("translation_original_save_failed", messageId, err);
  }
}

function logFailure(event: string, messageId: number, err: unknown) {
  console.error(JSON.stringify({ event, messageId, ...describe(err) }));
}

const describe = (err: unknown) =>
  err instanceof TranslationError ? { error: err.message, retryable: err.retryable } : { error: String(err) };
