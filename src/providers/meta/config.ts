import { z } from "zod";

/**
 * Secrets of an Instagram account: write-only in the API, sealed at rest.
 * Which secret signs webhooks for Instagram Login (the Meta app secret or the Instagram app
 * secret) is not confirmed by Meta's documentation, so an account keeps up to five and a
 * signature made with any of them is accepted.
 */
export const metaCredentialsSchema = z
  .object({
    appSecrets: z.array(z.string().min(1, "An app secret cannot be empty")).min(1, "At least one app secret").max(5, "At most five app secrets"),
    /** Instagram user access token (Instagram Login) or Page access token (page flavor). */
    accessToken: z.string().min(1),
    /** Echoed by Meta as hub.verify_token when the webhook is subscribed; generated when omitted. */
    verifyToken: z.string().min(1).max(256),
  })
  .strict();
export type MetaCredentials = z.infer<typeof metaCredentialsSchema>;

/** The Graph API version the hub calls unless an account names another (Meta's current one). */
export const DEFAULT_API_VERSION = "v26.0";

export const metaSettingsSchema = z
  .object({
    /**
     * The business account's Instagram id, as Meta sends it in `entry.id` and `recipient.id`.
     * A string of digits: these ids exceed 2^53 and must never pass through a JS number.
     */
    igAccountId: z.string().regex(/^\d{1,32}$/, "The Instagram account id is a string of digits"),
    /**
     * "instagram": Instagram API with Instagram Login (graph.instagram.com, POST /{v}/{igAccountId}/messages);
     * "page": Messenger API for Instagram through a linked Facebook Page (graph.facebook.com, POST /{v}/me/messages).
     */
    flavor: z.enum(["instagram", "page"]).default("instagram"),
    apiVersion: z
      .string()
      .regex(/^v\d+\.\d+$/, 'A Graph API version like "v26.0"')
      .default(DEFAULT_API_VERSION),
    /** Overrides the flavor's host (a local stand-in for tests or load runs). */
    apiBaseUrl: z.url().optional(),
    /**
     * The app has Meta's Human Agent permission: replies between 24 h and 7 days after the
     * customer's last message go out tagged HUMAN_AGENT. Only people may write those replies.
     */
    humanAgent: z.boolean().default(false),
  })
  .strict();
export type MetaSettings = z.infer<typeof metaSettingsSchema>;
