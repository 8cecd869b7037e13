import { randomToken } from "../../security/crypto";
import { authResult, parseJsonBody } from "../webhook-body";
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

export const connexeaseAdapter: ProviderAdapter<ConnexeaseCredentials, ConnexeaseSettings> = {
  kind: "connexease",
  credentialsSchema: connexeaseCredentialsSchema,
  settingsSchema: connexeaseSettingsSchema,
  generatedCredentials: () => ({ webhookSecret: randomToken() }),
  authenticate: async (req, ctx) => authResult(await authenticateConnexease(req, ctx.creds, ctx.settings)),
  normalize(req, ctx) {
    const body = parseJsonBody(req.rawBody);
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
