// `npm run bench -- --mixed`: one account of each of the six providers on the one queue, and the
// N updates spread round-robin over them, each from a new customer, in the shape its provider
// posts and signed the way that provider signs. Signatures are computed here with node:crypto,
// independently of the hub's own code, from the provider documents (docs/providers/*.md,
// docs/custom-channel.md) and the test fixtures (test/fixtures/<provider>/).
import { createHash, createHmac, randomBytes, randomUUID } from "node:crypto";
import { NAMES, TEXTS, telegramUpdate, userIdOf } from "./load.mjs";

/** The order updates are dealt in: update i goes to KINDS[i % 6]. */
export const KINDS = Object.freeze(["telegram", "meta", "connexease", "twilio", "sinch", "custom"]);
export const kindOf = (index) => KINDS[index % KINDS.length];

/** Every customer text ends with this marker, so offers and stored rows name their update whatever the provider. */
const TEXT_MARKER = /#(\d+)\s*$/;
export const markedIndex = (text) => {
  const m = TEXT_MARKER.exec(text ?? "");
  return m ? Number(m[1]) : null;
};

/**
 * The agents' view of a ticket → its update: the marker in the customer's words (the offer's
 * preview, or the inbound messages of an assigned ticket), and only when the ticket came in on the
 * provider that update was sent to. Meta, Sinch and Twilio name customers by id or profile name,
 * so the username the Telegram mode reads is not available for every provider.
 */
export function identifyByMarker(ticket, texts) {
  for (const text of texts) {
    const index = markedIndex(text);
    if (index !== null) return ticket?.provider === kindOf(index) ? index : null;
  }
  return null;
}

/** The languages rotate against the providers, so each provider gets every script (6 and 6 would align). */
const languageOf = (index) => (index + Math.floor(index / KINDS.length)) % TEXTS.length;
const textOf = (index) => `${TEXTS[languageOf(index)]} #${index}`;
const nameOf = (index) => NAMES[languageOf(index)];
const LANGS = ["tr", "ru", "ja", "es", "ar", "de"];

const hex = (n) => randomBytes(n).toString("hex");
const hmac = (algorithm, key, data) => createHmac(algorithm, key).update(data);
/** A uuid whose last group counts: unique per update, recognisable per run. */
const countedUuid = (prefix, index) => `${prefix}${index.toString(16).padStart(12, "0")}`;
const uuidPrefix = () => randomUUID().slice(0, 24);
/** Connexease's time format: "2026-01-01 10:00:00.300273+00:00". */
const connexeaseTime = (ms) => `${new Date(ms).toISOString().replace("T", " ").replace("Z", "")}000+00:00`;
/** Meta escapes every non-ASCII UTF-16 unit as \uXXXX in what it posts (emoji as a surrogate pair). */
const metaJson = (value) => JSON.stringify(value).replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
const CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
/** 26 characters like Sinch's ids: 18 of `prefix`, then `index` in 8 Crockford base-32 digits. */
const ulidLike = (prefix, index) => {
  let tail = "";
  for (let n = index, i = 0; i < 8; i++, n = Math.floor(n / 32)) tail = CROCKFORD[n % 32] + tail;
  return prefix.padEnd(18, "0").slice(0, 18) + tail;
};

/**
 * Credentials and settings of the six accounts, fresh secrets each run, every outbound base URL on
 * the stand-in (`standInBaseUrl`). The custom account is active (its access token kept only as a
 * SHA-256, as activation leaves it); `accessToken` is what the third party would send.
 */
export function mixedAccounts({ standInBaseUrl }) {
  const run = hex(3).toUpperCase();
  const customToken = `ct_bench_${randomBytes(24).toString("base64url")}`;
  const accounts = {
    telegram: {
      provider: "telegram",
      id: "acct-bench-telegram",
      name: "Bench Telegram bot",
      credentials: { botToken: `7000000001:AAbench${randomBytes(18).toString("base64url")}`, secretToken: randomBytes(24).toString("base64url") },
      settings: { apiBaseUrl: `${standInBaseUrl}/telegram` },
    },
    meta: {
      provider: "meta",
      id: "acct-bench-meta",
      name: "Bench Instagram",
      credentials: { appSecrets: [hex(16)], accessToken: `IGAAT${randomBytes(30).toString("base64url")}ZDZD`, verifyToken: hex(12) },
      settings: { igAccountId: "17841400008460056", flavor: "instagram", apiVersion: "v26.0", apiBaseUrl: `${standInBaseUrl}/meta`, humanAgent: false },
    },
    connexease: {
      provider: "connexease",
      id: "acct-bench-connexease",
      name: "Bench Connexease",
      credentials: { username: "api.bench@magaza.example", password: `Şifre-çok-gizli-${hex(6)}`, webhookSecret: `whsec-${randomBytes(24).toString("base64url")}` },
      settings: {
        channelId: randomUUID(),
        accountId: "10482",
        apiBaseUrl: `${standInBaseUrl}/connexease`,
        loginPath: "/jwt/",
        replyPath: "/v2/messages/",
        replyBody: "messages",
        signatureMode: "raw_body",
      },
    },
    twilio: {
      provider: "twilio",
      id: "acct-bench-twilio",
      name: "Bench Twilio WhatsApp",
      credentials: { authToken: hex(16) },
      settings: { accountSid: `AC${hex(16)}`, from: "whatsapp:+14155238886", apiBaseUrl: `${standInBaseUrl}/twilio` },
    },
    sinch: {
      provider: "sinch",
      id: "acct-bench-sinch",
      name: "Bench Sinch WhatsApp",
      credentials: { keyId: randomUUID(), keySecret: `Sëcret-${randomBytes(18).toString("base64url")}`, webhookSecret: `whsec_${randomBytes(24).toString("base64url")}` },
      settings: {
        projectId: randomUUID(),
        appId: ulidLike(`01HQ7ZKX${run}`, 0),
        region: "eu",
        apiBaseUrl: `${standInBaseUrl}/sinch`,
        authUrl: `${standInBaseUrl}/sinch/oauth2/token`,
        maxSkewS: 300,
      },
    },
    custom: {
      provider: "custom",
      id: "acct-bench-custom",
      name: "Bench custom channel",
      // Active, as activation leaves it: only the access token's SHA-256 is kept.
      credentials: { signingSecret: randomBytes(32).toString("base64url"), accessTokenHash: createHash("sha256").update(customToken).digest("hex") },
      settings: { outgoingUrl: `${standInBaseUrl}/custom/outgoing` },
      accessToken: customToken,
    },
  };
  return { accounts, ids: { run, conversation: uuidPrefix(), message: uuidPrefix() } };
}

/**
 * The customer identity each provider gives update `index`, and where replies to it go: used by
 * the stand-in to check that a reply reaches the customer who wrote.
 */
export function customerOf(kind, index, ids) {
  switch (kind) {
    case "telegram":
      return String(userIdOf(index));
    case "meta":
      return String(6_284_937_560_000_000 + index);
    case "connexease":
      return countedUuid(ids.conversation, index);
    case "twilio":
      return `whatsapp:+49151${String(index).padStart(8, "0")}`;
    case "sinch":
      return `90532${String(index).padStart(7, "0")}`;
    case "custom":
      return `cust-${index}`;
  }
  throw new Error(`unknown provider ${kind}`);
}

/**
 * Update `index` as its provider posts it: `{ kind, path, headers, body }`, where `headers` is a
 * function of the send time (Sinch signs a fresh nonce and the current timestamp). `publicBaseUrl`
 * is the origin Twilio signs over. `nowMs` dates the payloads.
 */
export function inboundRequest(index, { accounts, ids, seeded, publicBaseUrl, nowMs }) {
  const kind = kindOf(index);
  const account = accounts[kind];
  const { key } = seeded.find((a) => a.provider === kind);
  const path = `/webhooks/${kind}/${key}`;
  const text = textOf(index);
  const [first, last] = nameOf(index);
  const language = LANGS[languageOf(index)];
  const to = customerOf(kind, index, ids);
  const fixed = (headers) => () => headers;

  switch (kind) {
    case "telegram": {
      const update = telegramUpdate(index, Math.floor(nowMs / 1000));
      Object.assign(update.message.from, { first_name: first, last_name: last, language_code: language });
      Object.assign(update.message.chat, { first_name: first, last_name: last });
      update.message.text = text;
      const body = Buffer.from(JSON.stringify(update));
      return { kind, path, body, headers: fixed({ "content-type": "application/json", "x-telegram-bot-api-secret-token": account.credentials.secretToken }) };
    }
    case "meta": {
      const ig = account.settings.igAccountId;
      const payload = {
        object: "instagram",
        entry: [
          {
            time: nowMs,
            id: ig,
            messaging: [
              {
                sender: { id: to },
                recipient: { id: ig },
                timestamp: nowMs,
                message: { mid: `aWdfZAG1faXRlbToxOklHTWVzc2FnZAUlEOjE3ODQxNDAwMDA4NDYwMDU2OjM0MDI4MjM2Njg0${ids.run}${String(index).padStart(10, "0")}ZDZD`, text },
              },
            ],
          },
        ],
      };
      const body = Buffer.from(metaJson(payload));
      const signature = `sha256=${hmac("sha256", account.credentials.appSecrets[0], body).digest("hex")}`;
      return { kind, path, body, headers: fixed({ "content-type": "application/json", "x-hub-signature-256": signature }) };
    }
    case "connexease": {
      const payload = {
        hook: "message.created",
        channel: { uuid: account.settings.channelId },
        payload: {
          uuid: countedUuid(ids.message, index),
          conversation_uuid: to,
          type: "text",
          content: text,
          created_at: connexeaseTime(nowMs),
          customer: {
            id: 480_000 + index,
            name: `${first} ${last}`,
            username: `u${index}`,
            phone_number: `+90532${String(index).padStart(7, "0")}`,
            picture: `https://cdn.connexease.example/avatars/${480_000 + index}.jpg`,
          },
          agent: null,
          data: { language, utm_source: "instagram" },
        },
      };
      const body = Buffer.from(JSON.stringify(payload));
      const signature = hmac("sha256", account.credentials.webhookSecret, body).digest("base64");
      return { kind, path, body, headers: fixed({ "content-type": "application/json", "x-connexease-webhook-sign": signature }) };
    }
    case "twilio": {
      const sid = `SM${ids.run.toLowerCase()}${hex(5)}${index.toString(16).padStart(16, "0")}`.slice(0, 34);
      const waId = to.slice("whatsapp:+".length);
      // In the order Twilio sends them (test/fixtures/twilio/inbound-text.form.txt).
      const params = [
        ["SmsMessageSid", sid],
        ["NumMedia", "0"],
        ["ProfileName", `${first} ${last}`],
        ["MessageType", "text"],
        ["SmsSid", sid],
        ["WaId", waId],
        ["SmsStatus", "received"],
        ["Body", text],
        ["To", account.settings.from],
        ["NumSegments", "1"],
        ["ReferralNumMedia", "0"],
        ["MessageSid", sid],
        ["AccountSid", account.settings.accountSid],
        ["From", to],
        ["ApiVersion", "2010-04-01"],
      ];
      const body = Buffer.from(new URLSearchParams(params).toString());
      const signature = hmac("sha1", account.credentials.authToken, twilioSignedString(`${publicBaseUrl}${path}`, params)).digest("base64");
      return { kind, path, body, headers: fixed({ "content-type": "application/x-www-form-urlencoded", "x-twilio-signature": signature, "i-twilio-idempotency-token": randomUUID() }) };
    }
    case "sinch": {
      const at = new Date(nowMs).toISOString();
      const payload = {
        app_id: account.settings.appId,
        accepted_time: at,
        event_time: at,
        project_id: account.settings.projectId,
        message: {
          id: ulidLike(`01HQ80A3R7${ids.run}`, index),
          direction: "TO_APP",
          contact_message: { text_message: { text } },
          channel_identity: { channel: "WHATSAPP", identity: to, app_id: "" },
          conversation_id: ulidLike("01HQ80A3M2S6V8XR1F", index),
          contact_id: ulidLike("01HQ80A3JX2B7W5N9E", index),
          metadata: "",
          accept_time: at,
          sender_id: "905559876543",
          processing_mode: "CONVERSATION",
          injected: false,
        },
        message_metadata: "",
        correlation_id: "",
      };
      const body = Buffer.from(JSON.stringify(payload));
      const secret = account.credentials.webhookSecret;
      // Signed when sent: a fresh nonce and the current second, as Sinch does for every callback.
      const headers = () => {
        const nonce = `01N${randomBytes(12).toString("hex").toUpperCase().slice(0, 23)}`;
        const timestamp = String(Math.floor(Date.now() / 1000));
        const signature = hmac("sha256", secret, Buffer.concat([body, Buffer.from(`.${nonce}.${timestamp}`)])).digest("base64");
        return {
          "content-type": "application/json",
          "x-sinch-webhook-signature": signature,
          "x-sinch-webhook-signature-timestamp": timestamp,
          "x-sinch-webhook-signature-nonce": nonce,
          "x-sinch-webhook-signature-algorithm": "HmacSHA256",
        };
      };
      return { kind, path, body, headers };
    }
    case "custom": {
      const payload = {
        messages: [
          {
            id: `msg-${ids.run}-${index}`,
            sender: { id: to, name: `${first} ${last}`, username: `u${index}`, language },
            text,
            timestamp: new Date(nowMs).toISOString(),
          },
        ],
      };
      const body = Buffer.from(JSON.stringify(payload));
      return { kind, path, body, headers: fixed({ "content-type": "application/json", authorization: `Bearer ${account.accessToken}` }) };
    }
  }
  throw new Error(`unknown provider ${kind}`);
}

/** What Twilio signs: the URL, then every parameter sorted by name, name and value run together. */
export function twilioSignedString(url, params) {
  const byName = new Map();
  for (const [name, value] of params) byName.set(name, [...(byName.get(name) ?? []), value]);
  let data = url;
  for (const name of [...byName.keys()].sort()) for (const value of [...new Set(byName.get(name))].sort()) data += name + value;
  return data;
}
