import { hmac, toHex } from "../../security/crypto";

export const TIMESTAMP_HEADER = "X-Hub-Timestamp";
export const SIGNATURE_HEADER = "X-Hub-Signature";

/**
 * `sha256=` + lowercase hex HMAC-SHA256(signingSecret, `${timestamp}.${rawBody}`), the body as the
 * exact UTF-8 bytes sent. The timestamp (unix seconds) is signed too, so a receiver that rejects
 * stale timestamps cannot be fed an old request again.
 */
export async function signatureOf(signingSecret: string, timestampS: number, rawBody: string): Promise<string> {
  return `sha256=${toHex(await hmac("SHA-256", signingSecret, `${timestampS}.${rawBody}`))}`;
}

/** The headers of every request the hub makes to an outgoing webhook. */
export async function signedHeaders(signingSecret: string, rawBody: string, nowMs: number): Promise<Record<string, string>> {
  const timestampS = Math.floor(nowMs / 1000);
  return {
    "Content-Type": "application/json",
    [TIMESTAMP_HEADER]: String(timestampS),
    [SIGNATURE_HEADER]: await signatureOf(signingSecret, timestampS, rawBody),
  };
}
