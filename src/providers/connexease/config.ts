import { z } from "zod";

/** The placeholder a reply path template names the conversation with. */
export const CONVERSATION_PLACEHOLDER = "{conversation_uuid}";

/** Secrets of a Connexease account: write-only in the API, sealed at rest. */
export const connexeaseCredentialsSchema = z
  .object({
    /** The API user Connexease support issues ("Username"); exchanged for a JWT at `loginPath`. */
    username: z.string().min(1),
    password: z.string().min(1),
    /** Key of the HMAC-SHA256 in X-Connexease-Webhook-Sign; generated when omitted (then give it to Connexease). */
    webhookSecret: z.string().min(1).max(512),
  })
  .strict();
export type ConnexeaseCredentials = z.infer<typeof connexeaseCredentialsSchema>;

const path = z.string().regex(/^\/\S*$/, "A path starting with /");

export const connexeaseSettingsSchema = z
  .object({
    /** "Channel ID": the uuid Connexease puts in every webhook's `channel.uuid`. Events of other channels are ignored. */
    channelId: z.string().trim().min(1),
    /** "Account ID": the account number the integration is keyed on at Connexease (kept for reference and support). */
    accountId: z.string().trim().min(1),
    apiBaseUrl: z.url().default("https://api.connexease.com"),
    /** Documented: POST /jwt/ {"username","password"} → {"token"} (24 h). */
    loginPath: path.default("/jwt/"),
    /**
     * Where agent replies go. Not confirmed by public documentation: the default is the endpoint
     * seen in public integrations (`POST /v2/messages/` with the conversation uuid in the body).
     * `{conversation_uuid}` in the path is replaced by the contact's conversation uuid.
     */
    replyPath: path.default("/v2/messages/"),
    /**
     * Body of a reply. "messages": {"uuid": <conversation uuid>, "messages": [{"type": "text", "content": <text>}]};
     * "content": {"content": <text>}, for a replyPath that names the conversation itself.
     */
    replyBody: z.enum(["messages", "content"]).default("messages"),
    /** What the webhook signature covers: the raw body bytes, or the payload's `channel.uuid` string. */
    signatureMode: z.enum(["raw_body", "channel_uuid"]).default("raw_body"),
  })
  .strict()
  .refine((s) => s.replyBody !== "content" || s.replyPath.includes(CONVERSATION_PLACEHOLDER), {
    path: ["replyPath"],
    message: `With replyBody "content" the reply path must name the conversation with ${CONVERSATION_PLACEHOLDER}`,
  });
export type ConnexeaseSettings = z.infer<typeof connexeaseSettingsSchema>;
