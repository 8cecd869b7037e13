import { randomToken } from "../../security/crypto";
import { authResult, parseJsonBody } from "../webhook-body";
import type { ProviderAdapter } from "../types";
import { authenticateConnexease } from "./authenticate";
import { digest } from "./digest";
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
  sourceName: "Instagram",
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

/** The raw body's digest: the event key of events without an id of their own (a resend has the same bytes). */
export function bodyDigest(bytes: Uint8Array): string {
  return digest(bytes);
}

export { connexeaseSignature, SIGNATURE_HEADER } from "./authenticate";
export { clearTokenCache } from "./token-cache";
export type { ConnexeaseCredentials, ConnexeaseSettings } from "./config";
