import type { OutboundRequest, SendContext, SendResult } from "../types";
import { apiUrl, commonFailure, describeError, postJson, type HttpOutcome, type LoginOutcome } from "./api";
import { CONVERSATION_PLACEHOLDER, type ConnexeaseCredentials, type ConnexeaseSettings } from "./config";
import { forgetToken, tokenFor } from "./token-cache";

export const EDIT_UNSUPPORTED = "Connexease does not support editing a sent message";

/** The reply's URL: replyPath with the conversation uuid (the contact's address) filled in. */
export function replyUrl(settings: ConnexeaseSettings, conversationUuid: string): string {
  return apiUrl(settings, settings.replyPath.replaceAll(CONVERSATION_PLACEHOLDER, encodeURIComponent(conversationUuid)));
}

/** The reply's JSON body, in the shape `replyBody` names. */
export function replyBody(settings: ConnexeaseSettings, conversationUuid: string, text: string): Record<string, unknown> {
  return settings.replyBody === "content" ? { content: text } : { uuid: conversationUuid, messages: [{ type: "text", content: text }] };
}

/**
 * Sends an agent's reply into the Connexease conversation. Logs in with the account's username and
 * password (JWT cached per account, renewed after 23 h), and once more when the reply answers 401.
 */
export async function sendConnexease(out: OutboundRequest, ctx: SendContext<ConnexeaseCredentials, ConnexeaseSettings>): Promise<SendResult> {
  if (out.kind === "edit") return { ok: false, retryable: false, reason: EDIT_UNSUPPORTED };
  const url = replyUrl(ctx.settings, out.to);
  const body = replyBody(ctx.settings, out.to, out.text);

  let auth = await tokenFor(ctx);
  if (!auth.ok) return loginFailure(auth);
  ctx.keepSecret?.(auth.token);
  let res = await postJson(url, body, `JWT ${auth.token}`);
  if (res.kind === "answer" && res.status === 401) {
    // Expired or revoked before its 24 h: log in once more and try again.
    forgetToken(ctx.accountId);
    auth = await tokenFor(ctx, { renew: true });
    if (!auth.ok) return loginFailure(auth);
    ctx.keepSecret?.(auth.token);
    res = await postJson(url, body, `JWT ${auth.token}`);
    if (res.kind === "answer" && res.status === 401) {
      forgetToken(ctx.accountId);
      return { ok: false, retryable: false, credentialsRejected: true, reason: `Connexease refused a fresh token for the reply (401 ${describeError(res)})` };
    }
  }
  return replyOutcome(res, out, ctx.now);
}

function loginFailure(f: Exclude<LoginOutcome, { ok: true }>): SendResult {
  const { ok: _, ...rest } = f;
  return { ok: false, ...rest };
}

function replyOutcome(res: HttpOutcome, out: Extract<OutboundRequest, { kind: "text" }>, now: number): SendResult {
  if (res.kind === "network") return { ok: false, retryable: true, reason: `reply: ${res.description}` };
  const common = commonFailure(res, now, "reply");
  if (common) return { ok: false, ...common };
  if (res.status >= 200 && res.status < 300) {
    // Without an id in the answer the reply is still sent: it gets a placeholder id, unique per account.
    return { ok: true, providerMessageId: sentMessageIdOf(res.body, out.to) ?? `hub-${out.messageId}` };
  }
  if (res.status === 404) return { ok: false, retryable: false, reason: `conversation ${out.to} not found at Connexease (404 ${describeError(res)})` };
  if (res.status === 403) return { ok: false, retryable: false, reason: `Connexease refused the reply (403 ${describeError(res)})` };
  return { ok: false, retryable: false, reason: `reply: HTTP ${res.status} ${describeError(res)}` };
}

/**
 * The created message's id in a reply's answer. Its shape is not documented: the adapter takes the
 * first `uuid` (else `id`) of the answer's `messages[0]`, `results[0]`, `data.messages[0]`,
 * `message`, `data`, a top-level array's first item, then the answer itself — skipping the
 * conversation's own uuid, which an answer may echo. It is meant to be the id webhooks carry.
 */
export function sentMessageIdOf(body: unknown, conversationUuid?: string): string | undefined {
  const first = (v: unknown) => (Array.isArray(v) ? v[0] : undefined);
  const o = record(body);
  const candidates = [first(o?.messages), first(o?.results), first(record(o?.data)?.messages), o?.message, o?.data, first(body), o];
  for (const c of candidates.map(record)) {
    if (!c) continue;
    if (typeof c.uuid === "string" && c.uuid !== "" && c.uuid !== conversationUuid) return c.uuid;
    if ((typeof c.id === "string" && c.id !== "" && c.id !== conversationUuid) || (typeof c.id === "number" && Number.isFinite(c.id))) return String(c.id);
  }
  return undefined;
}

function record(v: unknown): Record<string, unknown> | undefined {
  return v && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
}
