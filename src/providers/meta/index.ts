import { randomToken } from "../../security/crypto";
import { authResult, parseJsonBody } from "../webhook-body";
import type { ProviderAdapter } from "../types";
import { authenticateMeta, handshakeMeta } from "./authenticate";
import { metaCredentialsSchema, metaSettingsSchema, type MetaCredentials, type MetaSettings } from "./config";
import { metaRecipients, normalizeMetaPayload } from "./normalize";
import { MAX_TEXT_BYTES, sendMeta } from "./send";
import { metaReplyWindow } from "./window";

/** Instagram messaging through Meta: Instagram Login (graph.instagram.com) or a linked Facebook Page. */
export const metaAdapter: ProviderAdapter<MetaCredentials, MetaSettings> = {
  kind: "meta",
  sourceName: "Instagram",
  credentialsSchema: metaCredentialsSchema,
  settingsSchema: metaSettingsSchema,
  generatedCredentials: () => ({ verifyToken: randomToken() }),
  handshake: (url, ctx) => handshakeMeta(url, ctx.creds.verifyToken),
  authenticate: async (req, ctx) => authResult(await authenticateMeta(req, ctx.creds)),
  sharedReceiveUrl: { setting: "igAccountId", recipients: (req) => metaRecipients(parseJsonBody(req.rawBody)) },
  normalize(req, ctx) {
    const body = parseJsonBody(req.rawBody);
    return normalizeMetaPayload(body, ctx.settings.igAccountId);
  },
  send: (out, ctx) => sendMeta(out, ctx),
  textLimit: { max: MAX_TEXT_BYTES, unit: "bytes of UTF-8" },
  replyWindow: (settings, lastInboundAt, now) => metaReplyWindow(settings, lastInboundAt, now),
};

export type { MetaCredentials, MetaSettings } from "./config";
