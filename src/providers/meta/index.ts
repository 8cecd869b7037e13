import { randomToken } from "../../security/crypto";
import { authResult, parseJsonBody } from "../webhook-body";
import type { ProviderAdapter } from "../types";
import { authenticateMeta, handshakeMeta } from "./authenticate";
import { metaCredentialsSchema, metaSettingsSchema, type MetaCredentials, type MetaSettings } from "./config";
import { normalizeMetaPayload } from "./normalize";
import { sendMeta } from "./send";
import { metaReplyWindow } from "./window";

/** Instagram messaging through Meta: Instagram Login (graph.instagram.com) or a linked Facebook Page. */
export const metaAdapter: ProviderAdapter<MetaCredentials, MetaSettings> = {
  kind: "meta",
  credentialsSchema: metaCredentialsSchema,
  settingsSchema: metaSettingsSchema,
  generatedCredentials: () => ({ verifyToken: randomToken() }),
  handshake: (url, ctx) => handshakeMeta(url, ctx.creds.verifyToken),
  authenticate: async (req, ctx) => authResult(await authenticateMeta(req, ctx.creds)),
  normalize(req, ctx) {
    const body = parseJsonBody(req.rawBody);
    return normalizeMetaPayload(body, ctx.settings.igAccountId);
  },
  send: (out, ctx) => sendMeta(out, ctx),
  replyWindow: (settings, lastInboundAt, now) => metaReplyWindow(settings, lastInboundAt, now),
};

export type { MetaCredentials, MetaSettings } from "./config";
