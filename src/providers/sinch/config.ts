import { z } from "zod";

/** Secrets of a Sinch account: write-only in the API, sealed at rest. */
export const sinchCredentialsSchema = z
  .object({
    /** Access key ID (Sinch dashboard → Settings → Access keys): the OAuth2 client id. */
    keyId: z.string().trim().min(1),
    /** Access key secret: the OAuth2 client secret. */
    keySecret: z.string().min(1),
    /**
     * The secret set on the Sinch webhook; Sinch signs every callback with it.
     * Generated when omitted — then it must be copied to the webhook in Sinch.
     */
    webhookSecret: z.string().min(1).max(512),
  })
  .strict();
export type SinchCredentials = z.infer<typeof sinchCredentialsSchema>;

export const sinchRegions = ["us", "eu", "br"] as const;

/**
 * The hub keeps a seen nonce for 15 minutes (claimReplayKey); a timestamp window wider than that
 * would let a replay through once its nonce is forgotten.
 */
export const MAX_SKEW_LIMIT_S = 900;

export const sinchSettingsSchema = z
  .object({
    /** The Sinch project the app belongs to. */
    projectId: z.string().trim().min(1),
    /** The Conversation API app with the WhatsApp channel. */
    appId: z.string().trim().min(1),
    /** Where the app lives; picks https://{region}.conversation.api.sinch.com. */
    region: z.enum(sinchRegions).default("eu"),
    /** Overrides the regional base URL (a proxy or a test double). */
    apiBaseUrl: z.url().optional(),
    /** OAuth2 token endpoint for the client-credentials grant. */
    authUrl: z.url().default("https://auth.sinch.com/oauth2/token"),
    /** How far a callback's signature timestamp may be from the hub's clock, in seconds. */
    maxSkewS: z.number().int().min(1).max(MAX_SKEW_LIMIT_S).default(300),
  })
  .strict();
export type SinchSettings = z.infer<typeof sinchSettingsSchema>;

/** The Conversation API base URL of an account, without a trailing slash. */
export function apiBaseOf(settings: Pick<SinchSettings, "apiBaseUrl" | "region">): string {
  const base = settings.apiBaseUrl ?? `https://${settings.region}.conversation.api.sinch.com`;
  return base.replace(/\/+$/, "");
}
