import { randomToken } from "../../security/crypto";
import { parseJsonBody } from "../webhook-body";
import type { ProviderAdapter } from "../types";
import { authenticateSinch, NONCE_HEADER } from "./authenticate";
import { sinchCredentialsSchema, sinchSettingsSchema, type SinchCredentials, type SinchSettings } from "./config";
import { normalizeSinchCallback } from "./normalize";
import { MAX_TEXT_LENGTH, sendSinch } from "./send";
import { sinchReplyWindow } from "./window";

/** WhatsApp through the Sinch Conversation API. */
export const sinchAdapter: ProviderAdapter<SinchCredentials, SinchSettings> = {
  kind: "sinch",
  sourceName: "WhatsApp",
  credentialsSchema: sinchCredentialsSchema,
  settingsSchema: sinchSettingsSchema,
  generatedCredentials: () => ({ webhookSecret: randomToken() }),
  authenticate: (req, ctx) => authenticateSinch(req, ctx.creds, ctx.settings, ctx.now),
  normalize(req, ctx) {
    const body = parseJsonBody(req.rawBody);
    return normalizeSinchCallback(body, { appId: ctx.settings.appId, nonce: req.headers.get(NONCE_HEADER) ?? undefined, now: ctx.now });
  },
  send: sendSinch,
  textLimit: { max: MAX_TEXT_LENGTH, unit: "characters" },
  replyWindow: (_settings, lastInboundAt, now) => sinchReplyWindow(lastInboundAt, now),
};

export { sinchSignature } from "./authenticate";
export { clearTokenCache } from "./token";
export type { SinchCredentials, SinchSettings } from "./config";
