import { OpenAPIHono } from "@hono/zod-openapi";
import { providerKinds, type ProviderKind } from "../../providers/types";
import { credentialsInputSchema, providerSpec } from "../api/account-providers";
import type { Doc, Schema } from "./types";

const titles: Record<ProviderKind, { name: string; page: string }> = {
  telegram: { name: "Telegram", page: "docs/providers/telegram.md" },
  meta: { name: "Meta", page: "docs/providers/meta.md" },
  connexease: { name: "Connexease", page: "docs/providers/connexease.md" },
  twilio: { name: "Twilio", page: "docs/providers/twilio.md" },
  sinch: { name: "Sinch", page: "docs/providers/sinch.md" },
  custom: { name: "Custom", page: "docs/custom-channel.md" },
};

export const settingsName = (kind: ProviderKind) => `${titles[kind].name}Settings`;
export const credentialsName = (kind: ProviderKind) => `${titles[kind].name}Credentials`;
const createName = (kind: ProviderKind) => `${titles[kind].name}AccountCreate`;
const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });

/** What each field means, for the document (the provider's page says more). */
export const fieldDescriptions: Record<ProviderKind, { settings: Record<string, string>; credentials: Record<string, string> }> = {
  telegram: {
    settings: { apiBaseUrl: "The Bot API server; a local Bot API server may stand in" },
    credentials: {
      botToken: "The bot's token from @BotFather, like 123456:ABC-DEF…",
      secretToken: "Telegram sends it in X-Telegram-Bot-Api-Secret-Token (set by POST /api/v1/accounts/{id}/telegram/webhook); generated and shown once in `revealed` when omitted",
    },
  },
  meta: {
    settings: {
      igAccountId: "The business account's Instagram id as Meta sends it in `entry.id` and `recipient.id`: a string of digits",
      flavor: "`instagram`: Instagram API with Instagram Login (graph.instagram.com); `page`: Messenger API for Instagram through a linked Facebook Page (graph.facebook.com)",
      apiVersion: "The Graph API version the hub calls",
      apiBaseUrl: "Overrides the flavor's host (a stand-in for tests)",
      humanAgent: "The app has Meta's Human Agent permission: replies between 24 h and 7 days after the customer's last message go out tagged HUMAN_AGENT",
    },
    credentials: {
      appSecrets: "One to five app secrets; a webhook signed (X-Hub-Signature-256) with any of them is accepted",
      accessToken: "Instagram user access token (Instagram Login) or Page access token (page flavor)",
      verifyToken: "Meta echoes it as hub.verify_token when the webhook is subscribed; generated and shown once in `revealed` when omitted",
    },
  },
  connexease: {
    settings: {
      channelId: "Connexease's Channel ID: the uuid in every webhook's `channel.uuid`; events of other channels are ignored",
      accountId: "Connexease's Account ID (kept for reference and support)",
      apiBaseUrl: "Connexease's API",
      loginPath: "Where the API user logs in for a JWT",
      replyPath: "Where agent replies go; `{conversation_uuid}` in it is replaced by the contact's conversation",
      replyBody: '`messages`: {"uuid","messages":[{"type":"text","content"}]}; `content`: {"content"}, for a replyPath that names the conversation',
      signatureMode: "What X-Connexease-Webhook-Sign covers: the raw body, or the payload's `channel.uuid`",
    },
    credentials: {
      username: "The API user Connexease support issues",
      password: "Its password",
      webhookSecret: "The HMAC key of X-Connexease-Webhook-Sign; generated and shown once in `revealed` when omitted (then give it to Connexease)",
    },
  },
  twilio: {
    settings: {
      accountSid: "The Account SID: AC followed by 32 hex digits",
      from: "The WhatsApp sender replies go out from, like whatsapp:+14155238886",
      apiBaseUrl: "Twilio's REST API",
    },
    credentials: { authToken: "The account's Auth Token: it signs every webhook (X-Twilio-Signature) and authenticates the REST calls" },
  },
  sinch: {
    settings: {
      projectId: "The Sinch project the app belongs to",
      appId: "The Conversation API app with the WhatsApp channel",
      region: "Where the app lives; picks https://{region}.conversation.api.sinch.com",
      apiBaseUrl: "Overrides the regional base URL",
      authUrl: "The OAuth2 token endpoint (client credentials)",
      maxSkewS: "How far a callback's signature timestamp may be from the hub's clock, in seconds",
    },
    credentials: {
      keyId: "Access key ID: the OAuth2 client id",
      keySecret: "Access key secret: the OAuth2 client secret",
      webhookSecret: "The secret set on the Sinch webhook, which signs every callback; generated and shown once in `revealed` when omitted",
    },
  },
  custom: {
    settings: { outgoingUrl: "Where the hub POSTs the activation challenge and every agent reply: https (plain http only for localhost)" },
    credentials: {
      signingSecret: "The HMAC-SHA256 key of X-Hub-Signature on every request to the outgoing URL; generated and shown once in `revealed` when omitted. The access token is never set here: activation issues it",
    },
  },
};

/** Each provider's settings and credentials (as written on create) as components, from the adapters' zod schemas. */
function providerComponents(): Record<string, Schema> {
  const generator = new OpenAPIHono();
  for (const kind of providerKinds) {
    const settings = providerSpec(kind)?.settings;
    const credentials = credentialsInputSchema(kind);
    if (settings) generator.openAPIRegistry.register(settingsName(kind), settings);
    if (credentials) generator.openAPIRegistry.register(credentialsName(kind), credentials);
  }
  const schemas = (generator.getOpenAPI31Document({ openapi: "3.1.0", info: { title: "", version: "" } }).components?.schemas ?? {}) as Record<string, Schema>;
  for (const kind of providerKinds) {
    const { name, page } = titles[kind];
    for (const part of ["settings", "credentials"] as const) {
      const schema = schemas[part === "settings" ? settingsName(kind) : credentialsName(kind)];
      if (!schema) continue;
      schema.description =
        part === "settings"
          ? `Settings of a ${kind} account, returned as stored (defaults filled in); see ${page}`
          : `Credentials of a ${kind} account: write-only, sealed at rest; see ${page}`;
      const properties = (schema.properties ?? {}) as Record<string, Schema>;
      for (const [field, text] of Object.entries(fieldDescriptions[kind][part])) {
        if (properties[field]) properties[field].description = text;
      }
      schema.title = `${name} ${part}`;
    }
  }
  return schemas;
}

/**
 * The accounts' `settings` and `credentials` typed by provider: a create body is one of six,
 * told apart by `provider`; an update's settings and credentials, and an account's settings, are
 * those of the account's provider.
 */
export function typeAccountsByProvider(doc: Doc) {
  const schemas = doc.components.schemas;
  Object.assign(schemas, providerComponents());
  const kinds = providerKinds.filter((k) => schemas[settingsName(k)] && schemas[credentialsName(k)]);

  const create = schemas.AccountCreate;
  if (create?.properties) {
    for (const kind of kinds) {
      const required = new Set((create.required as string[] | undefined) ?? []);
      if ((schemas[settingsName(kind)]!.required as string[] | undefined)?.length) required.add("settings");
      if ((schemas[credentialsName(kind)]!.required as string[] | undefined)?.length) required.add("credentials");
      schemas[createName(kind)] = {
        ...create,
        title: `A ${kind} account`,
        properties: {
          ...create.properties,
          provider: { type: "string", enum: [kind] },
          settings: ref(settingsName(kind)),
          credentials: ref(credentialsName(kind)),
        },
        required: [...required],
      };
    }
    schemas.AccountCreate = {
      description: "A new account: its provider decides its settings and credentials",
      oneOf: kinds.map((k) => ref(createName(k))),
      discriminator: { propertyName: "provider", mapping: Object.fromEntries(kinds.map((k) => [k, ref(createName(k)).$ref])) },
    };
  }

  const settingsOfProvider = (description: unknown) => ({
    ...(typeof description === "string" ? { description } : {}),
    oneOf: kinds.map((k) => ref(settingsName(k))),
  });
  const update = schemas.AccountUpdate?.properties as Record<string, Schema> | undefined;
  if (update?.settings) update.settings = settingsOfProvider(`${update.settings.description ?? ""}; those of the account's provider`.replace(/^; t/, "T"));
  if (update?.credentials) {
    update.credentials = {
      description: update.credentials.description,
      anyOf: kinds.map((k) => {
        const { required: _required, ...partial } = schemas[credentialsName(k)]!;
        return { ...partial, title: `${titles[k].name} credentials (any of them)` };
      }),
    };
  }
  const account = schemas.Account?.properties as Record<string, Schema> | undefined;
  if (account?.settings) account.settings = settingsOfProvider("The provider's settings, defaults filled in");
}
