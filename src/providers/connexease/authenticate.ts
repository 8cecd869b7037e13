import { constantTimeEqual, hmac, toBase64 } from "../../security/crypto";
import type { WebhookRequest } from "../types";
import type { ConnexeaseCredentials, ConnexeaseSettings } from "./config";

export const SIGNATURE_HEADER = "X-Connexease-Webhook-Sign";

const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false });

/** base64(HMAC-SHA256(secret, data)): the value Connexease puts in X-Connexease-Webhook-Sign. */
export async function connexeaseSignature(secret: string, data: string | Uint8Array): Promise<string> {
  return toBase64(await hmac("SHA-256", secret, data));
}

/**
 * Checks X-Connexease-Webhook-Sign in constant time; null when it matches. What Connexease signs is
 * not pinned down publicly, so the account chooses: the raw body bytes exactly as received
 * (`raw_body`), or the payload's `channel.uuid` (`channel_uuid`, the body is parsed only to read it).
 */
export async function authenticateConnexease(
  req: WebhookRequest,
  creds: Pick<ConnexeaseCredentials, "webhookSecret">,
  settings: Pick<ConnexeaseSettings, "signatureMode">,
): Promise<string | null> {
  const got = req.headers.get(SIGNATURE_HEADER)?.trim();
  if (!got) return `missing ${SIGNATURE_HEADER}`;
  let signed: Uint8Array | string;
  if (settings.signatureMode === "channel_uuid") {
    const uuid = channelUuidOf(req.rawBody);
    if (uuid === undefined) return "no channel.uuid in the body to check the signature against";
    signed = uuid;
  } else {
    signed = req.rawBody;
  }
  const expected = await connexeaseSignature(creds.webhookSecret, signed);
  return constantTimeEqual(got, expected) ? null : "signature mismatch";
}

function channelUuidOf(rawBody: Uint8Array): string | undefined {
  try {
    const body: unknown = JSON.parse(utf8.decode(rawBody));
    if (typeof body !== "object" || body === null) return undefined;
    const channel = (body as { channel?: unknown }).channel;
    if (typeof channel !== "object" || channel === null) return undefined;
    const uuid = (channel as { uuid?: unknown }).uuid;
    return typeof uuid === "string" && uuid !== "" ? uuid : undefined;
  } catch {
    return undefined;
  }
}
