import { ApiError } from "../../errors";
import { randomToken } from "../../security/crypto";
import type { ProviderAdapter } from "../types";
import { authenticateConnexease } from "./authenticate";
import {
  connexeaseCredentialsSchema,
  connexeaseSettingsSchema,
  type ConnexeaseCredentials,
  type ConnexeaseSettings,
} from "./config";
import { normalizeConnexease } from "./normalize";
import { sendConnexease } from "./send";

const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false });

export const connexeaseAdapter: ProviderAdapter<ConnexeaseCredentials, ConnexeaseSettings> = {
  kind: "connexease",
  credentialsSchema: connexeaseCredentialsSchema,
  settingsSchema: connexeaseSettingsSchema,
  generatedCredentials: () => ({ webhookSecret: randomToken() }),
  async authenticate(req, ctx) {
    const reason = await authenticateConnexease(req, ctx.creds, ctx.settings);
    return reason === null ? { ok: true } : { ok: false, reason };
  },
  normalize(req, ctx) {
    let body: unknown;
    try {
      body = JSON.parse(utf8.decode(req.rawBody));
    } catch (err) {
      throw new ApiError(400, "malformed_json", "The body is not UTF-8 JSON", err instanceof Error ? err.message : undefined);
    }
    return normalizeConnexease(body, { channelId: ctx.settings.channelId, now: ctx.now, bodyDigest: bodyDigest(req.rawBody) });
  },
  send: (out, ctx) => sendConnexease(out, ctx),
};

/**
 * A fast 106-bit hash of the raw body (cyrb53 under two seeds), hex: the event key of events without
 * an id of their own, so a retried delivery (the same bytes) is recognised. Not a security measure:
 * the signature is that.
 */
export function bodyDigest(bytes: Uint8Array): string {
  return cyrb53(bytes, 0) + cyrb53(bytes, 0x9e3779b9);
}

function cyrb53(bytes: Uint8Array, seed: number): string {
  let h1 = 0xdeadbeef ^ seed;
  let h2 = 0x41c6ce57 ^ seed;
  for (const b of bytes) {
    h1 = Math.imul(h1 ^ b, 2654435761);
    h2 = Math.imul(h2 ^ b, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return (4294967296 * (2097151 & h2) + (h1 >>> 0)).toString(16).padStart(14, "0");
}

export { connexeaseSignature, SIGNATURE_HEADER } from "./authenticate";
export { clearTokenCache } from "./token-cache";
export type { ConnexeaseCredentials, ConnexeaseSettings } from "./config";
