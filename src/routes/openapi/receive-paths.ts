import type { ProviderKind } from "../../providers/types";
import type { Operation, PathItem, Schema } from "./types";

// /webhooks/{provider}/{key} and the two sockets are plain hono routes (the providers and the
// socket protocol fix their shapes, not zod); they are described here, by hand, as paths.

const errorRef = { $ref: "#/components/schemas/Error" };
const error = (description: string) => ({ description, content: { "application/json": { schema: errorRef } } });
const header = (name: string, description: string, schema: Schema = { type: "string" }, required = true) => ({ name, in: "header", required, description, schema });

const keyParam = {
  name: "key",
  in: "path",
  required: true,
  description: "The account's receive key: the unguessable last part of its `receiveUrl`",
  schema: { type: "string" },
};

/** The answers every receive URL shares. */
const refusals = {
  400: error("`malformed_json` or `malformed_payload`: authentic, but not the provider's format; nothing stored"),
  401: error("`unauthorized`: the signature, token or nonce is wrong or missing; nothing stored"),
  404: error("`not_found`: no account has this key, or it is another provider's"),
  408: error("`request_timeout`: the body did not arrive within 10 s"),
  413: error("`payload_too_large`: the body passed 1 MiB"),
  429: {
    ...error("`rate_limited`: refusals from this source or for this account passed the limits"),
    headers: { "Retry-After": { description: "Seconds to wait: 60", schema: { type: "integer" } } },
  },
};

const accepted = {
  description: "Authentic: every event is stored (or acknowledged as ignored) before this answer",
  content: { "application/json": { schema: { $ref: "#/components/schemas/WebhookAccepted" }, example: { ok: true, events: 1 } } },
};

type Receive = { summary: string; description: string; headers: ReturnType<typeof header>[]; body: Record<string, { schema: Schema; example: unknown }>; ok?: Operation["responses"]; extra?: Operation["responses"] };

const anyJson = (description: string): Schema => ({ type: "object", description, additionalProperties: true });

const receivers: Record<ProviderKind, Receive> = {
  telegram: {
    summary: "Telegram delivers an Update",
    description: "Register this URL with POST /api/v1/accounts/{id}/telegram/webhook. See docs/providers/telegram.md.",
    headers: [header("X-Telegram-Bot-Api-Secret-Token", "The account's `credentials.secretToken`, compared in constant time")],
    body: {
      "application/json": {
        schema: anyJson("A Telegram Bot API Update"),
        example: { update_id: 10001, message: { message_id: 7, date: 1795300000, chat: { id: 777001, type: "private", first_name: "Maria" }, from: { id: 777001, is_bot: false, first_name: "Maria" }, text: "Merhaba" } },
      },
    },
  },
  meta: {
    summary: "Meta delivers Instagram messaging events",
    description:
      "Up to 1,000 entries in one POST, each stored before the answer; a receive URL shared by several accounts of one Meta app hands each entry to the account it names. See docs/providers/meta.md.",
    headers: [header("X-Hub-Signature-256", "`sha256=` + hex HMAC-SHA256 of the raw body under one of the account's `credentials.appSecrets`")],
    body: {
      "application/json": {
        schema: anyJson("A Meta webhook notification (`object: instagram`)"),
        example: {
          object: "instagram",
          entry: [{ id: "17841400000000000", time: 1795300000000, messaging: [{ sender: { id: "1234567890" }, recipient: { id: "17841400000000000" }, timestamp: 1795300000000, message: { mid: "aWdfZAG1faXRlbToxOklH", text: "Merhaba" } }] }],
        },
      },
    },
    extra: { 403: error("`wrong_recipient`: the notification names another Instagram account; nothing stored") },
  },
  connexease: {
    summary: "Connexease delivers a webhook event",
    description: "See docs/providers/connexease.md.",
    headers: [header("X-Connexease-Webhook-Sign", "base64 HMAC-SHA256 under `credentials.webhookSecret` of the raw body (or of `channel.uuid`, per `settings.signatureMode`)")],
    body: {
      "application/json": {
        schema: anyJson("A Connexease webhook event"),
        example: { event: "message.created", channel: { uuid: "8d5f2c3e-1b7a-4c59-9f0e-2a6b3c4d5e6f" }, conversation: { uuid: "c0ffee00-1111-2222-3333-444455556666" }, message: { uuid: "m-1", type: "text", content: "Merhaba" } },
      },
    },
  },
  twilio: {
    summary: "Twilio delivers a WhatsApp message or status callback",
    description: "Paste this URL as the sender's incoming-message webhook in Twilio. The answer is an empty TwiML document. See docs/providers/twilio.md.",
    headers: [header("X-Twilio-Signature", "base64 HMAC-SHA1 under `credentials.authToken` of the URL followed by every form field's name and value, sorted")],
    body: {
      "application/x-www-form-urlencoded": {
        schema: { type: "object", description: "Twilio's webhook form fields", additionalProperties: { type: "string" } },
        example: { MessageSid: "SM0123456789abcdef0123456789abcdef", AccountSid: "AC0123456789abcdef0123456789abcdef", From: "whatsapp:+905321234567", To: "whatsapp:+14155238886", Body: "Merhaba", NumMedia: "0", ProfileName: "Maria" },
      },
    },
    ok: {
      200: {
        description: "Authentic: stored before this answer; an empty TwiML response, so Twilio sends nothing itself",
        content: { "text/xml": { schema: { type: "string" }, example: '<?xml version="1.0" encoding="UTF-8"?><Response></Response>' } },
      },
    },
  },
  sinch: {
    summary: "Sinch delivers a Conversation API callback",
    description: "Each nonce is accepted once. See docs/providers/sinch.md.",
    headers: [
      header("x-sinch-webhook-signature", "base64 HMAC-SHA256 under `credentials.webhookSecret` of `rawBody.nonce.timestamp`"),
      header("x-sinch-webhook-signature-timestamp", "Unix seconds when Sinch signed; at most `settings.maxSkewS` from the hub's clock"),
      header("x-sinch-webhook-signature-nonce", "A one-time value: a repeated one is refused"),
      header("x-sinch-webhook-signature-algorithm", "HmacSHA256", { type: "string", enum: ["HmacSHA256"] }),
    ],
    body: {
      "application/json": {
        schema: anyJson("A Sinch Conversation API callback"),
        example: {
          app_id: "01EXAMPLEAPP", accepted_time: "2026-11-29T09:30:00.000Z", project_id: "b5b4f7c2-0000-4000-8000-000000000000",
          message: { id: "01EXAMPLEMSG", direction: "TO_APP", channel_identity: { channel: "WHATSAPP", identity: "905321234567", app_id: "01EXAMPLEAPP" }, contact_message: { text_message: { text: "Merhaba" } } },
        },
      },
    },
  },
  custom: {
    summary: "A custom channel delivers customer messages",
    description: "A batch of 1 to 100 items, all stored or none. See docs/custom-channel.md for every item type.",
    headers: [header("Authorization", "`Bearer <access token>`: the channel's access token, shown once when activation succeeded")],
    body: {
      "application/json": {
        schema: anyJson('`{"messages":[item, …]}` (docs/custom-channel.md)'),
        example: { messages: [{ id: "msg-1001", sender: { id: "cust-1001", name: "Ayşe Yılmaz" }, text: "Merhaba, siparişim nerede?", timestamp: "2026-01-01T09:30:00+03:00" }] },
      },
    },
    ok: {
      200: {
        description: "Every item stored (`ignored` lists items the hub acknowledged without storing, and why)",
        content: { "application/json": { schema: { $ref: "#/components/schemas/WebhookAccepted" }, example: { ok: true, events: 1 } } },
      },
    },
    extra: { 403: error("`channel_not_active`: the channel is not activated yet") },
  },
};

function receiveOperation(r: Receive): Operation {
  return {
    tags: ["webhooks"],
    summary: r.summary,
    description: `${r.description} Providers retry anything but a 2xx; a retry stores nothing new.`,
    security: [],
    parameters: [keyParam, ...r.headers],
    requestBody: { required: true, content: r.body },
    responses: { ...(r.ok ?? { 200: accepted }), ...refusals, ...r.extra },
  };
}

const verifyMeta: Operation = {
  tags: ["webhooks"],
  summary: "Meta verifies the webhook subscription",
  description: "Meta's subscription handshake: with the account's verify token, the hub answers the challenge. A GET on any other provider's receive URL is `405 method_not_allowed`.",
  security: [],
  parameters: [
    keyParam,
    { name: "hub.mode", in: "query", required: true, schema: { type: "string", enum: ["subscribe"] } },
    { name: "hub.verify_token", in: "query", required: true, description: "The account's `credentials.verifyToken`", schema: { type: "string" } },
    { name: "hub.challenge", in: "query", required: true, description: "Echoed back", schema: { type: "string" } },
  ],
  responses: {
    200: { description: "The challenge, as plain text", content: { "text/plain": { schema: { type: "string" }, example: "1158201444" } } },
    400: error("`bad_request`: hub.challenge is missing"),
    403: error("`forbidden`: hub.mode is not subscribe or the verify token is wrong"),
    404: refusals[404],
    405: error("`method_not_allowed`: no hub.mode given"),
  },
};

export const webhookAcceptedSchema: Schema = {
  type: "object",
  properties: {
    ok: { type: "boolean", enum: [true] },
    events: { type: "integer", description: "Events the request carried (stored, or seen before)" },
    ignored: {
      type: "array",
      description: "Custom channels: items acknowledged without being stored, and why",
      items: { type: "object", properties: { eventKey: { type: "string" }, description: { type: "string" } }, required: ["eventKey", "description"] },
    },
  },
  required: ["ok", "events"],
};

export function receivePaths(): Record<string, PathItem> {
  const paths: Record<string, PathItem> = {};
  for (const [kind, r] of Object.entries(receivers) as [ProviderKind, Receive][]) {
    paths[`/webhooks/${kind}/{key}`] = { ...(kind === "meta" ? { get: verifyMeta } : {}), post: receiveOperation(r) };
  }
  return paths;
}
