import { exports } from "cloudflare:workers";
import { hmac, toHex } from "../../../src/security/crypto";
import { BASE, createAccount } from "../../helpers/hub";

/** The business account's Instagram id in every fixture. */
export const IG = "17841400008460056";
export const APP_SECRETS = ["meta-app-secret-1", "ig-app-secret-2"];
export const ACCESS_TOKEN = "IGAAT0kenF0rTests1234567890abcdefZDZD";
export const VERIFY_TOKEN = "verify-token-for-tests";
export const GRAPH = "https://graph.instagram.com";

export const creds = { appSecrets: APP_SECRETS, accessToken: ACCESS_TOKEN, verifyToken: VERIFY_TOKEN };
export const settings = { igAccountId: IG, flavor: "instagram" as const, apiVersion: "v26.0", humanAgent: false };

export async function signatureOf(body: string | Uint8Array, secret = APP_SECRETS[0]!) {
  return `sha256=${toHex(await hmac("SHA-256", secret, body))}`;
}

export async function createMetaAccount(queueId: string, o: { settings?: Record<string, unknown>; credentials?: Record<string, unknown> } = {}) {
  return createAccount({ provider: "meta", queueId, credentials: { ...creds, ...o.credentials }, settings: { igAccountId: IG, ...o.settings } });
}

/**
 * POSTs a notification to the account's receive URL, signed like Meta signs it (over these exact
 * bytes) unless `signature` says otherwise (null: no header).
 */
export async function postMeta(key: string, body: unknown, o: { signature?: string | null; secret?: string } = {}) {
  const raw = typeof body === "string" ? body : JSON.stringify(body);
  const headers: Record<string, string> = { "Content-Type": "application/json" };
  const signature = o.signature === undefined ? await signatureOf(raw, o.secret) : o.signature;
  if (signature !== null) headers["X-Hub-Signature-256"] = signature;
  return exports.default.fetch(`${BASE}/webhooks/meta/${key}`, { method: "POST", headers, body: raw });
}

let n = 0;
/** A fresh message id in Meta's style. */
export const newMid = () => `aWdfZAG1faXRlbToxOklHTWVzc2FnZAUlEOjE3ODQxNDAwMDA4NDYwMDU2OjM0MDI4MjM2Njg0${Date.now().toString(36)}${(++n).toString(36)}${crypto.randomUUID().slice(0, 6)}ZDZD`;
/** A fresh customer IGSID. */
export const newIgsid = () => String(6_000_000_000_000_000 + Math.floor(Math.random() * 900_000_000_000_000));

type Event = Record<string, unknown>;

export const notification = (...entries: Event[][]) => ({
  object: "instagram",
  entry: entries.map((messaging) => ({ id: IG, time: Date.now(), messaging })),
});

export const customerMessage = (igsid: string, mid: string, text: string, timestamp = Date.now(), extra: Event = {}): Event => ({
  sender: { id: igsid },
  recipient: { id: IG },
  timestamp,
  message: { mid, text, ...extra },
});

export const echo = (igsid: string, mid: string, text: string, timestamp = Date.now()): Event => ({
  sender: { id: IG },
  recipient: { id: igsid },
  timestamp,
  message: { mid, text, is_echo: true },
});

export const customerEvent = (igsid: string, body: Event, timestamp = Date.now()): Event => ({
  sender: { id: igsid },
  recipient: { id: IG },
  timestamp,
  ...body,
});
