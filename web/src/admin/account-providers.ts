// The account form's fields for each provider, and the same zod schemas the accounts API parses
// settings and credentials with (pure modules), so the browser refuses what the API would refuse.
// test/web/admin-provider-fields.test.ts checks that every field of every schema has a control here.
import { z } from "zod";
import { connexeaseCredentialsSchema, connexeaseSettingsSchema } from "../../../src/providers/connexease/config.ts";
import { ACTIVATION_ONLY_CREDENTIALS, customCredentialsSchema, customSettingsSchema } from "../../../src/providers/custom/config.ts";
import { DEFAULT_API_VERSION, metaCredentialsSchema, metaSettingsSchema } from "../../../src/providers/meta/config.ts";
import { MAX_SKEW_LIMIT_S, sinchCredentialsSchema, sinchRegions, sinchSettingsSchema } from "../../../src/providers/sinch/config.ts";
import { telegramCredentialsSchema, telegramSettingsSchema } from "../../../src/providers/telegram/config.ts";
import { twilioCredentialsSchema, twilioSettingsSchema } from "../../../src/providers/twilio/config.ts";
import { providerKinds, type ProviderKind } from "../../../src/providers/types.ts";

export { providerKinds, type ProviderKind };

export type FieldSpec = {
  name: string;
  label: string;
  /** text/select/number/checkbox: settings; secret: one write-only string; secrets: a write-only list (one input per item). */
  kind: "text" | "select" | "number" | "checkbox" | "secret" | "secrets";
  hint?: string;
  placeholder?: string;
  options?: readonly string[];
  min?: number;
  max?: number;
  /** Inputs a `secrets` list offers. */
  items?: number;
  /** A credential the hub generates (and shows once) when the form leaves it empty. */
  generated?: boolean;
  /** Rarely changed: shown under "Advanced". */
  advanced?: boolean;
};

export type ProviderForm = {
  id: ProviderKind;
  label: string;
  settings: readonly FieldSpec[];
  credentials: readonly FieldSpec[];
  settingsSchema: z.ZodType<Record<string, unknown>>;
  credentialsSchema: z.ZodObject<z.ZodRawShape>;
  /** Credentials only the hub sets (custom: the access token's hash, by activation). */
  notEditable?: readonly string[];
  /** What to have at hand from the provider before filling in the form. */
  prepare: string;
};

const apiBase = (fallback: string): FieldSpec => ({
  name: "apiBaseUrl",
  label: "API base URL",
  kind: "text",
  placeholder: fallback,
  hint: `Default ${fallback}; another host only for a proxy or a stand-in`,
  advanced: true,
});

export const providerForms: Record<ProviderKind, ProviderForm> = {
  telegram: {
    id: "telegram",
    prepare: "Create a bot with @BotFather and copy its token. Once the account exists, Register webhook points Telegram at the hub.",
    label: "Telegram",
    settingsSchema: telegramSettingsSchema,
    credentialsSchema: telegramCredentialsSchema,
    settings: [apiBase("https://api.telegram.org")],
    credentials: [
      { name: "botToken", label: "Bot token", kind: "secret", hint: "From @BotFather (123456:ABC-DEF…)" },
      { name: "secretToken", label: "Secret token", kind: "secret", generated: true, hint: "Telegram sends it with every update; generated when left empty" },
    ],
  },
  meta: {
    id: "meta",
    prepare: "From the Meta app (type Business) with Instagram Login, or Messenger → Instagram settings for a linked Facebook Page: the Instagram account id, an access token, and the app secrets (App settings → Basic, and Instagram → API setup).",
    label: "Instagram (Meta)",
    settingsSchema: metaSettingsSchema,
    credentialsSchema: metaCredentialsSchema,
    settings: [
      { name: "igAccountId", label: "Instagram account id", kind: "text", hint: "Digits, as Meta sends it in entry.id (Instagram Login: user_id of /me)" },
      { name: "flavor", label: "API flavor", kind: "select", options: ["instagram", "page"], hint: "instagram: Instagram Login; page: through a linked Facebook Page" },
      { name: "apiVersion", label: "Graph API version", kind: "text", placeholder: DEFAULT_API_VERSION, hint: `Default ${DEFAULT_API_VERSION}`, advanced: true },
      { name: "humanAgent", label: "Human Agent permission", kind: "checkbox", hint: "Only with Meta's Human Agent permission: people may reply up to 7 days after the customer's last message" },
      { ...apiBase("the flavor's Graph host"), placeholder: "" },
    ],
    credentials: [
      {
        name: "appSecrets",
        label: "App secret",
        kind: "secrets",
        items: 2,
        hint: "The Meta app secret and the Instagram app secret: Meta signs webhooks with one of them, either verifies. Replacing them replaces both.",
      },
      { name: "accessToken", label: "Access token", kind: "secret", hint: "Instagram user access token, or the Page access token" },
      { name: "verifyToken", label: "Verify token", kind: "secret", generated: true, hint: "Paste the same value into Meta's webhook settings; generated (and shown once) when left empty" },
    ],
  },
  connexease: {
    id: "connexease",
    prepare: "From Connexease support: the API user's username and password, the channel's uuid and your account number.",
    label: "Connexease",
    settingsSchema: connexeaseSettingsSchema,
    credentialsSchema: connexeaseCredentialsSchema,
    settings: [
      { name: "channelId", label: "Channel ID", kind: "text", hint: "The uuid Connexease puts in every webhook's channel.uuid" },
      { name: "accountId", label: "Account ID", kind: "text", hint: "Connexease's account number (reference only)" },
      apiBase("https://api.connexease.com"),
      { name: "loginPath", label: "Login path", kind: "text", placeholder: "/jwt/", advanced: true },
      { name: "replyPath", label: "Reply path", kind: "text", placeholder: "/v2/messages/", hint: "{conversation_uuid} is replaced by the conversation", advanced: true },
      { name: "replyBody", label: "Reply body", kind: "select", options: ["messages", "content"], advanced: true },
      { name: "signatureMode", label: "Signature covers", kind: "select", options: ["raw_body", "channel_uuid"], advanced: true },
    ],
    credentials: [
      { name: "username", label: "Username", kind: "secret", hint: "The API user Connexease support issued" },
      { name: "password", label: "Password", kind: "secret" },
      { name: "webhookSecret", label: "Webhook secret", kind: "secret", generated: true, hint: "Connexease signs webhooks with it; generated (and shown once) when left empty" },
    ],
  },
  twilio: {
    id: "twilio",
    prepare: "From the Twilio Console: the Account SID and the Auth Token (Account info), and the WhatsApp sender, e.g. whatsapp:+14155238886.",
    label: "WhatsApp (Twilio)",
    settingsSchema: twilioSettingsSchema,
    credentialsSchema: twilioCredentialsSchema,
    settings: [
      { name: "accountSid", label: "Account SID", kind: "text", placeholder: "AC…", hint: "Twilio Console → Account info: AC followed by 32 hex digits" },
      { name: "from", label: "WhatsApp sender", kind: "text", placeholder: "whatsapp:+14155238886", hint: "As Twilio wants it in From: whatsapp:+E164" },
      apiBase("https://api.twilio.com"),
    ],
    credentials: [{ name: "authToken", label: "Auth Token", kind: "secret", hint: "The primary Auth Token: it signs every webhook" }],
  },
  sinch: {
    id: "sinch",
    prepare: "From the Sinch dashboard: the project ID, an access key (key ID and key secret), and the ID and region of the Conversation API app that has the WhatsApp channel.",
    label: "WhatsApp (Sinch)",
    settingsSchema: sinchSettingsSchema,
    credentialsSchema: sinchCredentialsSchema,
    settings: [
      { name: "projectId", label: "Project ID", kind: "text" },
      { name: "appId", label: "App ID", kind: "text", hint: "The Conversation API app with the WhatsApp channel" },
      { name: "region", label: "Region", kind: "select", options: sinchRegions },
      { ...apiBase("the region's host"), placeholder: "" },
      { name: "authUrl", label: "OAuth token URL", kind: "text", placeholder: "https://auth.sinch.com/oauth2/token", advanced: true },
      { name: "maxSkewS", label: "Clock skew allowed", kind: "number", min: 1, max: MAX_SKEW_LIMIT_S, advanced: true },
    ],
    credentials: [
      { name: "keyId", label: "Access key ID", kind: "secret" },
      { name: "keySecret", label: "Access key secret", kind: "secret" },
      { name: "webhookSecret", label: "Webhook secret", kind: "secret", generated: true, hint: "Sinch signs callbacks with it; generated (and shown once) when left empty" },
    ],
  },
  custom: {
    id: "custom",
    prepare: "Your endpoint's URL: the hub posts the activation challenge and every reply there. Once the account exists, Activate; your system then posts customers' messages to the receive URL with the access token shown once.",
    label: "Custom channel",
    settingsSchema: customSettingsSchema,
    credentialsSchema: customCredentialsSchema,
    notEditable: ACTIVATION_ONLY_CREDENTIALS,
    settings: [{ name: "outgoingUrl", label: "Outgoing webhook URL", kind: "text", placeholder: "https://example.com/hub-webhook", hint: "The hub posts the activation challenge and every reply here" }],
    credentials: [{ name: "signingSecret", label: "Signing secret", kind: "secret", generated: true, hint: "Key of X-Hub-Signature on requests to your webhook; generated (and shown once) when left empty" }],
  },
};

/** The schema's default of a setting ("eu" for Sinch's region), for a select's "Default" choice; undefined when it has none. */
export function settingDefault(form: ProviderForm, name: string): string | undefined {
  try {
    const json = z.toJSONSchema(form.settingsSchema, { io: "input", unrepresentable: "any" }) as { properties?: Record<string, { default?: unknown }> };
    const d = json.properties?.[name]?.default;
    return d === undefined ? undefined : String(d);
  } catch {
    return undefined;
  }
}

/** What the form holds per field: text for inputs, a flag for checkboxes, one text per item of a list. */
export type FieldValues = Record<string, string | boolean | string[]>;

/** The form's values from an account's stored settings. */
export function settingsValues(form: ProviderForm, settings: Record<string, unknown>): FieldValues {
  const out: FieldValues = {};
  for (const f of form.settings) {
    const v = settings[f.name];
    out[f.name] = f.kind === "checkbox" ? v === true : v === undefined || v === null ? "" : String(v);
  }
  return out;
}

/** Settings as the API takes them: empty fields left out, so their defaults apply. */
export function settingsBody(form: ProviderForm, values: FieldValues): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const f of form.settings) {
    const v = values[f.name];
    if (f.kind === "checkbox") out[f.name] = v === true;
    else if (typeof v === "string" && v.trim() !== "") out[f.name] = f.kind === "number" ? Number(v) : v.trim();
  }
  return out;
}

/** Credentials typed in: only those filled (the others stay as stored, or are generated). */
export function credentialsBody(form: ProviderForm, values: FieldValues): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const f of form.credentials) {
    const v = values[f.name];
    if (f.kind === "secrets" && Array.isArray(v)) {
      const items = v.filter((s) => s !== "");
      if (items.length > 0) out[f.name] = items;
    } else if (typeof v === "string" && v !== "") out[f.name] = v;
  }
  return out;
}

/**
 * The schema's messages by field path ("settings.accountSid"), as the API would answer them. A new
 * account must give every credential the hub does not generate; a change gives only those it replaces.
 */
export function checkAccount(form: ProviderForm, settings: Record<string, unknown>, credentials: Record<string, unknown>, creating: boolean): Record<string, string> {
  const errors: Record<string, string> = {};
  const collect = (prefix: string, given: Record<string, unknown>, issues: readonly { path: PropertyKey[]; message: string; code?: string }[]) => {
    for (const i of issues) {
      const missing = i.code === "invalid_type" && i.path.length === 1 && given[String(i.path[0])] === undefined;
      errors[[prefix, ...i.path.map(String)].join(".")] ??= missing ? "Required" : i.message;
    }
  };
  const s = form.settingsSchema.safeParse(settings);
  if (!s.success) collect("settings", settings, s.error.issues);
  const optional = Object.fromEntries(
    form.credentials.filter((f) => !creating || f.generated).map((f) => [f.name, true as const]),
  );
  const c = form.credentialsSchema.partial(optional).safeParse(credentials);
  if (!c.success) collect("credentials", credentials, c.error.issues);
  return errors;
}
