import { z } from "zod";

/** Hosts the hub may call over plain http, so a local stand-in can play the third party. */
export const LOCAL_HOSTS = ["localhost", "127.0.0.1", "[::1]"] as const;

/** Why `value` cannot be the outgoing webhook, or null when it can. */
export function outgoingUrlProblem(value: string): string | null {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return "Expected an absolute URL like https://example.com/hub-webhook";
  }
  if (url.protocol === "http:") {
    if (!(LOCAL_HOSTS as readonly string[]).includes(url.hostname)) {
      return "Plain http is allowed only for localhost, 127.0.0.1 and [::1]; use https";
    }
  } else if (url.protocol !== "https:") {
    return "Expected an https:// URL";
  }
  // Settings are not secret (the API returns them): a password in the URL would leak.
  if (url.username || url.password) return "The URL must not carry a user name or password; requests are signed instead";
  return null;
}

/** Non-secret settings of a custom channel. */
export const customSettingsSchema = z
  .object({
    /** Where the hub POSTs the activation challenge and every agent reply. */
    outgoingUrl: z
      .string()
      .max(2048)
      .superRefine((value, ctx) => {
        const problem = outgoingUrlProblem(value);
        if (problem) ctx.addIssue({ code: "custom", message: problem });
      }),
  })
  .strict();
export type CustomSettings = z.infer<typeof customSettingsSchema>;

/**
 * Credentials set only by activation, never accepted from an admin: the access token exists only
 * as its hash, and only once the outgoing webhook has answered the challenge.
 */
export const ACTIVATION_ONLY_CREDENTIALS = ["accessTokenHash"] as const;

/** Secrets of a custom channel: write-only in the API, sealed at rest. */
export const customCredentialsSchema = z
  .object({
    /** HMAC-SHA256 key of X-Hub-Signature on every request to the outgoing webhook; generated when omitted. */
    signingSecret: z
      .string()
      .regex(/^[A-Za-z0-9_-]{32,256}$/, "32–256 characters of A-Z, a-z, 0-9, _ and -"),
    /** SHA-256 (lowercase hex) of the channel's access token; set by activation. */
    accessTokenHash: z
      .string()
      .regex(/^[0-9a-f]{64}$/, "Expected a lowercase hex SHA-256")
      .optional(),
  })
  .strict();
export type CustomCredentials = z.infer<typeof customCredentialsSchema>;
