import { z } from "zod";

/** Secrets of a Twilio account: write-only in the API, sealed at rest. */
export const twilioCredentialsSchema = z
  .object({
    /**
     * The account's (primary) Auth Token: it signs every webhook (X-Twilio-Signature) and is the
     * password of the REST API's Basic auth. Twilio shows 32 characters; any 16–128 non-space
     * characters are accepted so a change of format does not lock accounts out.
     */
    authToken: z.string().regex(/^\S{16,128}$/, "Expected the account's Auth Token (16–128 characters, no spaces)"),
  })
  .strict();
export type TwilioCredentials = z.infer<typeof twilioCredentialsSchema>;

export const twilioSettingsSchema = z
  .object({
    /** "AC" + 32 hex digits: the account the REST calls and the webhooks are for. */
    accountSid: z.string().regex(/^AC[0-9a-fA-F]{32}$/, "Expected an Account SID: AC followed by 32 hex digits"),
    /** The WhatsApp sender replies go out from, as Twilio wants it in `From`: "whatsapp:+E164". */
    from: z.string().regex(/^whatsapp:\+[1-9]\d{6,14}$/, 'Expected a WhatsApp sender like "whatsapp:+14155238886"'),
    /** Twilio's REST API; a test double may stand in. */
    apiBaseUrl: z.url().default("https://api.twilio.com"),
  })
  .strict();
export type TwilioSettings = z.infer<typeof twilioSettingsSchema>;
