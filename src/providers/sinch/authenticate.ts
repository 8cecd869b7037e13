import { constantTimeEqual, hmac, toBase64 } from "../../security/crypto";
import type { AuthResult, WebhookRequest } from "../types";
import type { SinchCredentials, SinchSettings } from "./config";

export const SIGNATURE_HEADER = "x-sinch-webhook-signature";
export const TIMESTAMP_HEADER = "x-sinch-webhook-signature-timestamp";
export const NONCE_HEADER = "x-sinch-webhook-signature-nonce";
export const ALGORITHM_HEADER = "x-sinch-webhook-signature-algorithm";

/** The one algorithm Sinch signs with ("For now it is set to HmacSHA256"). */
export const SIGNATURE_ALGORITHM = "HmacSHA256";

const enc = new TextEncoder();

/**
 * The signed data: the raw body bytes, ".", the nonce, ".", the timestamp — over the bytes as
 * received, never a re-encoded string.
 */
export function signedData(rawBody: Uint8Array, nonce: string, timestamp: string): Uint8Array {
  const tail = enc.encode(`.${nonce}.${timestamp}`);
  const out = new Uint8Array(rawBody.byteLength + tail.byteLength);
  out.set(rawBody, 0);
  out.set(tail, rawBody.byteLength);
  return out;
}

/** base64(HMAC-SHA256(secret, body.nonce.timestamp)), padded, as Sinch computes it. */
export async function sinchSignature(secret: string, rawBody: Uint8Array, nonce: string, timestamp: string): Promise<string> {
  return toBase64(await hmac("SHA-256", secret, signedData(rawBody, nonce, timestamp)));
}

/**
 * Checks a callback's signature headers. On success the nonce is the replay key: the route claims
 * it and refuses a request whose nonce it saw before.
 */
export async function authenticateSinch(
  req: WebhookRequest,
  creds: Pick<SinchCredentials, "webhookSecret">,
  settings: Pick<SinchSettings, "maxSkewS">,
  now: number,
): Promise<AuthResult> {
  const h = req.headers;
  for (const name of [SIGNATURE_HEADER, TIMESTAMP_HEADER, NONCE_HEADER, ALGORITHM_HEADER]) {
    if (!h.get(name)) return { ok: false, reason: `missing ${name}` };
  }
  const signature = h.get(SIGNATURE_HEADER)!;
  const timestamp = h.get(TIMESTAMP_HEADER)!;
  const nonce = h.get(NONCE_HEADER)!;
  const algorithm = h.get(ALGORITHM_HEADER)!;

  if (algorithm !== SIGNATURE_ALGORITHM) return { ok: false, reason: `unsupported signature algorithm ${JSON.stringify(algorithm.slice(0, 40))}` };
  if (!/^\d{1,12}$/.test(timestamp)) return { ok: false, reason: `${TIMESTAMP_HEADER} is not unix seconds` };

  const expected = await sinchSignature(creds.webhookSecret, req.rawBody, nonce, timestamp);
  if (!constantTimeEqual(signature.trim(), expected)) return { ok: false, reason: "signature mismatch" };

  const skewS = Math.abs(now / 1000 - Number(timestamp));
  if (skewS > settings.maxSkewS) {
    return { ok: false, reason: `stale signature timestamp (${Math.round(skewS)} s from the hub's clock; at most ${settings.maxSkewS} s accepted)` };
  }
  return { ok: true, replayKey: nonce };
}
