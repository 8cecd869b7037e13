import { z } from "zod";
import { attachmentViewSchema } from "../kinds/views";
import { hmac, toHex } from "../security/crypto";

/** What the hub POSTs to an account's chatbot for each customer message on a ticket nobody holds (docs/conversations.md). */
export const chatbotRequestSchema = z.strictObject({
  event: z.literal("message"),
  account: z.strictObject({ id: z.string(), name: z.string(), provider: z.string() }),
  contact: z.strictObject({ id: z.number().int(), name: z.string(), username: z.string().nullable() }),
  ticket: z.strictObject({ id: z.number().int() }),
  message: z.strictObject({
    id: z.number().int(),
    text: z.string(),
    attachments: z.array(z.strictObject(attachmentViewSchema.shape)),
  }),
});
export type ChatbotRequest = z.infer<typeof chatbotRequestSchema>;

/** The bot's answer: a text the hub sends, or the conversation handed to the queue. */
export const chatbotAnswerSchema = z.discriminatedUnion("action", [
  z.object({ action: z.literal("reply"), text: z.string().trim().min(1).max(4096) }),
  z.object({ action: z.literal("handoff") }),
]);

export type ChatbotOutcome = { action: "reply"; text: string } | { action: "handoff"; error?: string };

export const SIGNATURE_HEADER = "X-Hub-Signature-256";

/** `sha256=<hex>` of the HMAC-SHA256 of the exact body bytes under the account's chatbot secret. */
export async function signChatbotBody(secret: string, body: string): Promise<string> {
  return `sha256=${toHex(await hmac("SHA-256", secret, body))}`;
}

/**
 * Asks the bot about one message. Never throws: an error, a timeout, a non-2xx answer or one that
 * is not a valid reply all hand the conversation to the queue, with the reason in `error`.
 */
export async function askChatbot(
  bot: { url: string; timeoutMs: number },
  secret: string,
  request: ChatbotRequest,
  fetcher: typeof fetch = fetch,
): Promise<ChatbotOutcome> {
  const body = JSON.stringify(request);
  try {
    const res = await fetcher(bot.url, {
      method: "POST",
      headers: { "Content-Type": "application/json", [SIGNATURE_HEADER]: await signChatbotBody(secret, body) },
      body,
      signal: AbortSignal.timeout(bot.timeoutMs),
    });
    const text = await res.text();
    if (!res.ok) return { action: "handoff", error: `HTTP ${res.status}` };
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      return { action: "handoff", error: "answer is not JSON" };
    }
    const answer = chatbotAnswerSchema.safeParse(json);
    if (!answer.success) return { action: "handoff", error: 'unexpected answer: expected {"action":"reply","text":"…"} or {"action":"handoff"}' };
    return answer.data.action === "reply" ? { action: "reply", text: answer.data.text } : { action: "handoff" };
  } catch (err) {
    const timedOut = err instanceof Error && (err.name === "TimeoutError" || err.name === "AbortError");
    return { action: "handoff", error: timedOut ? `no answer within ${bot.timeoutMs} ms` : `request failed: ${err instanceof Error ? err.message : String(err)}` };
  }
}
