import type { OutboundRequest, SendContext, SendResult } from "../types";
import type { MetaCredentials, MetaSettings } from "./config";
import { graphErrorSchema, sendResponseSchema } from "./schema";
import { needsHumanAgentTag } from "./window";

/** Instagram's limit for a text message: 1000 bytes of UTF-8 (not characters). */
export const MAX_TEXT_BYTES = 1000;
/** Retry delay for a rate limit answered without Retry-After. */
export const DEFAULT_RATE_LIMIT_RETRY_S = 60;
/** A Send API call that hangs holds a send slot; past this it counts as a network failure. */
const REQUEST_TIMEOUT_MS = 15_000;

/** Graph API error codes that mean "too many calls": 4 app, 17 user, 32 page, 613 custom rate limit. */
const RATE_LIMIT_CODES = new Set([4, 17, 32, 613]);
/** Graph API error codes Meta documents as temporary: 1 unknown, 2 service. */
const TRANSIENT_CODES = new Set([1, 2]);
const INVALID_TOKEN = 190;
const OUTSIDE_WINDOW = { code: 10, subcode: 2534022 };

const HOSTS = { instagram: "https://graph.instagram.com", page: "https://graph.facebook.com" } as const;

export const utf8Bytes = (text: string) => new TextEncoder().encode(text).byteLength;

/** The Send API endpoint of the account's flavor. */
export function sendUrl(settings: MetaSettings): string {
  const base = (settings.apiBaseUrl ?? HOSTS[settings.flavor]).replace(/\/+$/, "");
  const node = settings.flavor === "instagram" ? encodeURIComponent(settings.igAccountId) : "me";
  return `${base}/${settings.apiVersion}/${node}/messages`;
}

export async function sendMeta(out: OutboundRequest, ctx: SendContext<MetaCredentials, MetaSettings>): Promise<SendResult> {
  if (out.kind === "edit") return { ok: false, retryable: false, reason: "Meta does not support editing a sent message" };
  const bytes = utf8Bytes(out.text);
  if (bytes > MAX_TEXT_BYTES) {
    return { ok: false, retryable: false, reason: `text is ${bytes} bytes of UTF-8; Instagram accepts at most ${MAX_TEXT_BYTES}` };
  }

  const body: Record<string, unknown> = { recipient: { id: out.to }, message: { text: out.text } };
  if (needsHumanAgentTag(ctx.settings, ctx.lastInboundAt, ctx.now)) {
    body.messaging_type = "MESSAGE_TAG";
    body.tag = "HUMAN_AGENT";
  }

  let res: Response;
  let raw: string;
  try {
    res = await fetch(sendUrl(ctx.settings), {
      method: "POST",
      headers: { Authorization: `Bearer ${ctx.creds.accessToken}`, "Content-Type": "application/json" },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
    raw = await res.text();
  } catch (err) {
    const message = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
    return { ok: false, retryable: true, reason: redact(`network error: ${message}`, ctx.creds.accessToken) };
  }

  const json = parseJson(raw);
  if (res.ok) {
    const sent = sendResponseSchema.safeParse(json);
    // Meta took the message: answering "retry" would send it twice.
    if (!sent.success) return { ok: false, retryable: false, reason: `Meta answered ${res.status} without a message_id` };
    return { ok: true, providerMessageId: sent.data.message_id };
  }
  return failure(res, json, ctx);
}

function failure(res: Response, json: unknown, ctx: SendContext<MetaCredentials, MetaSettings>): SendResult {
  const parsed = graphErrorSchema.safeParse(json);
  const e = parsed.success ? parsed.data.error : undefined;
  const code = e?.code;
  const subcode = e?.error_subcode;
  const described = redact(
    e ? `Meta error ${code ?? "?"}${subcode === undefined ? "" : `/${subcode}`}: ${e.message ?? "(no message)"}` : `HTTP ${res.status} without a Graph API error`,
    ctx.creds.accessToken,
  );

  if (code === OUTSIDE_WINDOW.code && subcode === OUTSIDE_WINDOW.subcode) {
    return { ok: false, retryable: false, reason: "outside the reply window (Meta error 2534022)" };
  }
  if (code === INVALID_TOKEN) {
    return { ok: false, retryable: false, credentialsRejected: true, reason: `Meta refused the access token (${described})` };
  }
  if (res.status === 429 || (code !== undefined && RATE_LIMIT_CODES.has(code))) {
    return { ok: false, retryable: true, retryAfterS: retryAfterOf(res, ctx.now) ?? DEFAULT_RATE_LIMIT_RETRY_S, reason: `rate limited (${described})` };
  }
  if (res.status >= 500 || e?.is_transient === true || (code !== undefined && TRANSIENT_CODES.has(code))) {
    return { ok: false, retryable: true, reason: described };
  }
  return { ok: false, retryable: false, reason: described };
}

/** Retry-After as delta-seconds or an HTTP date; undefined when absent or unreadable. */
function retryAfterOf(res: Response, now: number): number | undefined {
  const value = res.headers.get("Retry-After")?.trim();
  if (!value) return undefined;
  if (/^\d+$/.test(value)) return Number(value);
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, Math.ceil((at - now) / 1000));
}

function parseJson(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    return undefined;
  }
}

function redact(text: string, token: string): string {
  return token ? text.replaceAll(token, "<access token>") : text;
}
