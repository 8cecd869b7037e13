import type { OutboundRequest, SendContext, SendResult } from "../types";
import type { CustomCredentials, CustomSettings } from "./config";
import { excerpt, postSigned, type PostOutcome } from "./http";
import { sendAnswerSchema } from "./schema";

/** A reply waits on the outgoing webhook at most this long; a timeout is retried like a network error. */
export const SEND_TIMEOUT_MS = 15_000;

/** How soon a reply for a channel that is not activated is tried again. */
export const NOT_ACTIVATED_RETRY_S = 60;

/** The id a reply is known by when the outgoing webhook answers without one of its own. */
export const fallbackMessageId = (hubMessageId: number) => `custom:${hubMessageId}`;

/** The JSON the outgoing webhook receives for a reply or for an edit of one. */
export function outboundPayload(out: OutboundRequest, nowMs: number) {
  return {
    type: out.kind === "text" ? "message" : "edit",
    id: String(out.messageId),
    recipient: { id: out.to },
    text: out.text,
    timestamp: new Date(nowMs).toISOString(),
  };
}

/**
 * POSTs an agent's reply (`type: "message"`) or an edit of one (`type: "edit"`, same `id`, the
 * full new text) to the outgoing webhook, signed. The hub retries, so the receiver deduplicates
 * on (`type`, `id`).
 */
export async function sendCustom(
  out: OutboundRequest,
  ctx: Pick<SendContext<CustomCredentials, CustomSettings>, "accountId" | "creds" | "settings" | "now">,
): Promise<SendResult> {
  // Not activated (or the URL changed since): the endpoint has not proved it is the third party's.
  if (!ctx.creds.accessTokenHash) {
    return {
      ok: false,
      retryable: true,
      retryAfterS: NOT_ACTIVATED_RETRY_S,
      reason: `the custom channel is not activated: its outgoing webhook must answer the challenge first (POST /api/v1/accounts/${ctx.accountId}/activate)`,
    };
  }
  const res = await postSigned(ctx.settings.outgoingUrl, ctx.creds.signingSecret, outboundPayload(out, ctx.now), ctx.now, SEND_TIMEOUT_MS);
  if (res.kind === "network") {
    return {
      ok: false,
      retryable: true,
      reason: res.timedOut ? `the outgoing webhook did not answer within ${SEND_TIMEOUT_MS / 1000} s` : `the outgoing webhook could not be reached (${res.message})`,
    };
  }
  if (res.status >= 200 && res.status < 300) {
    if (out.kind === "edit") return { ok: true, providerMessageId: out.providerMessageId };
    return { ok: true, providerMessageId: answeredId(res.body) ?? fallbackMessageId(out.messageId) };
  }
  return failure(res);
}

function failure(res: Extract<PostOutcome, { kind: "answer" }>): SendResult {
  const said = excerpt(res.body);
  const reason = `the outgoing webhook answered HTTP ${res.status}${said ? `: ${said}` : ""}`;
  if (res.status === 429 || res.status >= 500) {
    const retryAfterS = retryAfterOf(res.headers.get("Retry-After"));
    return retryAfterS === undefined ? { ok: false, retryable: true, reason } : { ok: false, retryable: true, retryAfterS, reason };
  }
  if (res.status === 401 || res.status === 403) {
    return {
      ok: false,
      retryable: false,
      credentialsRejected: true,
      reason: `${reason} (it refused the hub's signature: check that it verifies X-Hub-Signature with the account's signingSecret)`,
    };
  }
  if (res.status >= 300 && res.status < 400) {
    return { ok: false, retryable: false, reason: `the outgoing webhook answered HTTP ${res.status}; redirects are not followed: configure the final URL` };
  }
  return { ok: false, retryable: false, reason };
}

/** The receiver's own id from a 2xx answer `{"id": …}`; undefined when it sent none. */
function answeredId(body: string): string | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return undefined;
  }
  const answer = sendAnswerSchema.safeParse(parsed);
  if (!answer.success || answer.data.id === undefined) return undefined;
  const id = String(answer.data.id).trim();
  return id === "" || id.length > 256 ? undefined : id;
}

/** Retry-After in seconds: delta-seconds or an HTTP date (RFC 9110 §10.2.3). */
export function retryAfterOf(header: string | null, nowMs = Date.now()): number | undefined {
  if (!header) return undefined;
  const value = header.trim();
  if (/^\d+$/.test(value)) return Number(value);
  const at = Date.parse(value);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, Math.ceil((at - nowMs) / 1000));
}
