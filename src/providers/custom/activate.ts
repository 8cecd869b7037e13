import { constantTimeEqual, randomToken, sha256Hex } from "../../security/crypto";
import type { ActivationResult } from "../types";
import type { CustomCredentials, CustomSettings } from "./config";
import { excerpt, postSigned } from "./http";

/** The endpoint answers the challenge at once or not at all: the admin is waiting for the answer. */
export const ACTIVATION_TIMEOUT_MS = 5_000;

/**
 * The activation handshake: POST `{"type":"challenge","challenge":…}` (signed like every outbound
 * request) to the outgoing webhook; it passes only on a 2xx echoing the same value, as JSON
 * `{"challenge":…}` or as the bare value. On success a new access token is generated: its SHA-256
 * is stored, the token itself is revealed once.
 */
export async function activateCustom(
  creds: CustomCredentials,
  settings: CustomSettings,
  nowMs: number,
  timeoutMs = ACTIVATION_TIMEOUT_MS,
): Promise<ActivationResult> {
  const challenge = randomToken(24);
  const res = await postSigned(settings.outgoingUrl, creds.signingSecret, { type: "challenge", challenge }, nowMs, timeoutMs);
  const failed = (why: string): ActivationResult => ({ status: "pending", reason: `activation failed: ${why}` });

  if (res.kind === "network") {
    return failed(
      res.timedOut
        ? `the outgoing webhook did not answer the challenge within ${timeoutMs / 1000} s`
        : `the outgoing webhook could not be reached (${res.message})`,
    );
  }
  if (res.status >= 300 && res.status < 400) {
    return failed(`the outgoing webhook answered HTTP ${res.status} (redirects are not followed: configure the final URL)`);
  }
  if (res.status < 200 || res.status >= 300) {
    const said = excerpt(res.body);
    return failed(`the outgoing webhook answered HTTP ${res.status} to the challenge${said ? `: ${said}` : ""}`);
  }
  const echoed = echoedChallenge(res.headers.get("content-type"), res.body);
  if (echoed === undefined) {
    return failed('the answer did not echo the challenge (expected JSON {"challenge": "<value>"} or the bare value as text/plain)');
  }
  if (!constantTimeEqual(echoed, challenge)) return failed("the answer echoed a different challenge value");

  const accessToken = randomToken(32);
  const accessTokenHash: NonNullable<CustomCredentials["accessTokenHash"]> = await sha256Hex(accessToken);
  return { status: "active", credentialsPatch: { accessTokenHash }, reveal: { accessToken } };
}

/** The value an answer echoes: `challenge` of a JSON object, else the whole body as text, trimmed. */
export function echoedChallenge(contentType: string | null, body: string): string | undefined {
  const text = body.trim();
  const looksJson = /\bjson\b/i.test(contentType ?? "") || text.startsWith("{") || text.startsWith('"');
  if (looksJson) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      return undefined;
    }
    if (typeof parsed === "string") return parsed;
    if (parsed && typeof parsed === "object" && typeof (parsed as { challenge?: unknown }).challenge === "string") {
      return (parsed as { challenge: string }).challenge;
    }
    return undefined;
  }
  return text === "" ? undefined : text;
}
