import { errorBody } from "../../errors";
import { constantTimeEqual, hmac, toHex } from "../../security/crypto";
import type { WebhookRequest } from "../types";
import type { MetaCredentials } from "./config";

export const SIGNATURE_HEADER = "X-Hub-Signature-256";

/**
 * Meta signs the raw body: `X-Hub-Signature-256: sha256=<hex HMAC-SHA256(app secret, body bytes)>`.
 * Meta escapes non-ASCII as `\u00e4` in what it sends, so only the bytes as received verify;
 * re-serializing the parsed JSON would not. Every configured secret is tried, each compared in
 * constant time and none skipped once one matches. Null when authentic, else the reason.
 */
export async function authenticateMeta(req: WebhookRequest, creds: Pick<MetaCredentials, "appSecrets">): Promise<string | null> {
  const header = req.headers.get(SIGNATURE_HEADER);
  if (!header) return `missing ${SIGNATURE_HEADER}`;
  const match = /^sha256=([0-9a-fA-F]{64})$/.exec(header.trim());
  if (!match) return `malformed ${SIGNATURE_HEADER} (expected sha256=<64 hex digits>)`;
  const got = match[1]!.toLowerCase();
  let ok = false;
  for (const secret of creds.appSecrets) {
    const expected = toHex(await hmac("SHA-256", secret, req.rawBody));
    ok = constantTimeEqual(expected, got) || ok;
  }
  return ok ? null : "signature mismatch";
}

/**
 * The subscription handshake: `GET ?hub.mode=subscribe&hub.verify_token=T&hub.challenge=C` is
 * answered `200 C` (text/plain) when T is the account's verify token, else 403. Null when the GET
 * is not a handshake (no hub.mode).
 */
export function handshakeMeta(url: URL, verifyToken: string): Response | null {
  const mode = url.searchParams.get("hub.mode");
  if (mode === null) return null;
  const token = url.searchParams.get("hub.verify_token") ?? "";
  // Compared before anything else is looked at, in constant time.
  const tokenOk = constantTimeEqual(token, verifyToken);
  if (mode !== "subscribe" || !tokenOk) {
    return Response.json(errorBody("forbidden", "Verification failed: hub.mode must be subscribe and hub.verify_token this account's verify token"), { status: 403 });
  }
  const challenge = url.searchParams.get("hub.challenge");
  if (!challenge) return Response.json(errorBody("bad_request", "hub.challenge is missing"), { status: 400 });
  return new Response(challenge, {
    status: 200,
    headers: { "Content-Type": "text/plain; charset=utf-8", "X-Content-Type-Options": "nosniff" },
  });
}
