import { ApiError } from "../../errors";
import { authResult } from "../webhook-body";
import type { ProviderAdapter, ReplyWindow } from "../types";
import { authenticateTwilio } from "./authenticate";
import { twilioCredentialsSchema, twilioSettingsSchema, type TwilioCredentials, type TwilioSettings } from "./config";
import { firstValues, FormEncodingError, parseFormStrict } from "./form";
import { normalizeTwilioRequest, WINDOW_CLOSED } from "./normalize";
import { MAX_BODY_LENGTH, sendTwilio } from "./send";

/** WhatsApp's customer service window: free-form replies up to 24 h after the customer's last message. */
export const REPLY_WINDOW_MS = 24 * 60 * 60 * 1000;

/** The empty TwiML answer: Twilio sends nothing of its own in reply. */
export const EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>';

export function twilioReplyWindow(lastInboundAt: number | null, now: number): ReplyWindow {
  if (lastInboundAt === null) return { open: false, closesAt: null, reason: `${WINDOW_CLOSED} (the customer has not written yet)` };
  const closesAt = lastInboundAt + REPLY_WINDOW_MS;
  return now < closesAt ? { open: true, closesAt } : { open: false, closesAt, reason: WINDOW_CLOSED };
}

export const twilioAdapter: ProviderAdapter<TwilioCredentials, TwilioSettings> = {
  kind: "twilio",
  sourceName: "WhatsApp",
  credentialsSchema: twilioCredentialsSchema,
  settingsSchema: twilioSettingsSchema,
  authenticate: async (req, ctx) => authResult(await authenticateTwilio(req, ctx.creds)),
  normalize(req, ctx) {
    let params: Record<string, string>;
    try {
      params = firstValues(parseFormStrict(req.rawBody));
    } catch (err) {
      if (!(err instanceof FormEncodingError)) throw err;
      throw new ApiError(400, "malformed_json", "The body is not UTF-8 application/x-www-form-urlencoded", err.message);
    }
    return normalizeTwilioRequest(params, ctx.settings, ctx.now);
  },
  acknowledge: () => new Response(EMPTY_TWIML, { status: 200, headers: { "content-type": "text/xml; charset=utf-8" } }),
  send: (out, ctx) => sendTwilio(out, ctx.creds, ctx.settings, ctx.receiveUrl),
  textLimit: { max: MAX_BODY_LENGTH, unit: "UTF-16 code units" },
  replyWindow: (_settings, lastInboundAt, now) => twilioReplyWindow(lastInboundAt, now),
};

export { authenticateTwilio, signedString, twilioSignature, SIGNATURE_HEADER } from "./authenticate";
export type { TwilioCredentials, TwilioSettings } from "./config";

