import { ApiError } from "../../errors";
import { randomToken } from "../../security/crypto";
import type { ProviderAdapter } from "../types";
import { authenticateMeta, handshakeMeta } from "./authenticate";
import { metaCredentialsSchema, metaSettingsSchema, type MetaCredentials, type MetaSettings } from "./config";
import { normalizeMetaPayload } from "./normalize";
import { sendMeta } from "./send";
import { metaReplyWindow } from "./window";

const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false });

/** Instagram messaging through Meta: Instagram Login (graph.instagram.com) or a linked Facebook Page. */
export const metaAdapter: ProviderAdapter<MetaCredentials, MetaSettings> = {
  kind: "meta",
  credentialsSchema: metaCredentialsSchema,
  settingsSchema: metaSettingsSchema,
  generatedCredentials: () => ({ verifyToken: randomToken() }),
  handshake: (url, ctx) => handshakeMeta(url, ctx.creds.verifyToken),
  async authenticate(req, ctx) {
    const reason = await authenticateMeta(req, ctx.creds);
    return reason === null ? { ok: true } : { ok: false, reason };
  },
  normalize(req, ctx) {
    let body: unknown;
    try {
      body = JSON.parse(utf8.decode(req.rawBody));
    } catch (err) {
      throw new ApiError(400, "malformed_json", "The body is not UTF-8 JSON", err instanceof Error ? err.message : undefined);
    }
    return normalizeMetaPayload(body, ctx.settings.igAccountId);
  },
  send: (out, ctx) => sendMeta(out, ctx),
  replyWindow: (settings, lastInboundAt, now) => metaReplyWindow(settings, lastInboundAt, now),
};

export type { MetaCredentials, MetaSettings } from "./config";
