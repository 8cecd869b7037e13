import { randomToken } from "../../security/crypto";
import { authResult, parseJsonBody } from "../webhook-body";
import type { InboundEvent, ProviderAdapter } from "../types";
import { activateCustom } from "./activate";
import { authenticateCustom } from "./authenticate";
import { ACTIVATION_ONLY_CREDENTIALS, customCredentialsSchema, customSettingsSchema, type CustomCredentials, type CustomSettings } from "./config";
import { normalizeCustomBatch } from "./normalize";
import { MAX_TEXT_CHARS } from "./schema";
import { sendCustom } from "./send";

/** A third party's own channel: it posts customer messages with an access token; the hub posts replies to its outgoing webhook. */
export const customAdapter: ProviderAdapter<CustomCredentials, CustomSettings> = {
  kind: "custom",
  sourceName: "Web",
  canEdit: true,
  credentialsSchema: customCredentialsSchema,
  settingsSchema: customSettingsSchema,
  generatedCredentials: () => ({ signingSecret: randomToken(32) }),
  activationOnlyCredentials: ACTIVATION_ONLY_CREDENTIALS,
  authenticate: async (req, ctx) => authResult(await authenticateCustom(req, ctx.creds)),
  normalize(req) {
    const body = parseJsonBody(req.rawBody);
    return normalizeCustomBatch(body);
  },
  acknowledge: acknowledgeCustom,
  send: (out, ctx) => sendCustom(out, ctx),
  repeatSafe: true,
  textLimit: { max: MAX_TEXT_CHARS, unit: "UTF-16 code units" },
  activate: (ctx) => activateCustom(ctx.creds, ctx.settings, ctx.now),
};

/** 200 `{"ok":true,"events":n}`, plus the items the hub ignored and why, so a misnamed type is visible. */
export function acknowledgeCustom(events: InboundEvent[]): Response {
  const ignored = events.flatMap((e) => (e.kind === "ignored" ? [{ eventKey: e.eventKey, description: e.description }] : []));
  return Response.json({ ok: true, events: events.length, ...(ignored.length > 0 ? { ignored } : {}) });
}

export { ACTIVATION_TIMEOUT_MS, activateCustom } from "./activate";
export { ACTIVATION_ONLY_CREDENTIALS, customCredentialsSchema, customSettingsSchema } from "./config";
export type { CustomCredentials, CustomSettings } from "./config";
export { inboundMessageId } from "./normalize";
export { fallbackMessageId } from "./send";
export { SIGNATURE_HEADER, signatureOf, TIMESTAMP_HEADER } from "./signature";
