import { sha256Hex, toBase64 } from "./crypto";

// One place where an account's secrets are masked out of text the hub stores, logs, pushes or
// audits: a provider's error body may quote the credentials it was sent (a password, a token, a
// Basic header), and the reason built from it travels to agents, the API and the logs.

/** Values shorter than this are left alone: masking them would mangle ordinary words, and they reveal little. */
const MIN_SECRET_LENGTH = 4;
/** At most this many token-like words of one text are hashed against a stored hash. */
const MAX_HASHED_CANDIDATES = 64;

export type SecretSet = {
  /** Secret values with the name their mask shows: `<redacted password>`. */
  values: { name: string; value: string }[];
  /** Identifiers a Basic header may pair with a secret (an Account SID, a key id). */
  users: string[];
  /** SHA-256 (hex) of secrets the hub keeps only as a hash (the custom channel's access token). */
  hashes: string[];
};

/**
 * The secrets of an account: every string in its unsealed credentials (nested ones too) — except
 * fields holding a SHA-256 (`…Hash`), kept as hashes — and the tokens obtained with them during
 * a send. Settings' strings count only as the user half of a Basic header.
 */
export function accountSecrets(creds: unknown, settings: unknown = {}, obtained: readonly string[] = []): SecretSet {
  const set: SecretSet = { values: [], users: [], hashes: [] };
  for (const [name, value] of strings(creds)) {
    if (/Hash$/.test(name) && /^[0-9a-f]{64}$/.test(value)) set.hashes.push(value);
    else set.values.push({ name, value });
  }
  for (const value of obtained) set.values.push({ name: "token", value });
  set.users = [...set.values.map((v) => v.value), ...strings(settings).map(([, v]) => v)];
  return set;
}

/**
 * `text` with every secret of `set` replaced by `<redacted name>`: as written, URL- and
 * form-encoded, JSON-escaped, base64, inside a Basic header (`base64(user:secret)`), and any
 * `Bearer`/`Basic`/`JWT` credential or JWT-shaped token whatever its source.
 */
export async function maskSecrets(text: string, set: SecretSet): Promise<string> {
  const forms = new Map<string, string>();
  const add = (form: string, mask: string) => {
    if (form.length >= MIN_SECRET_LENGTH && !forms.has(form)) forms.set(form, mask);
  };
  for (const { name, value } of set.values) {
    if (value.length < MIN_SECRET_LENGTH) continue;
    const mask = `<redacted ${name}>`;
    for (const form of encodings(value)) add(form, mask);
    for (const user of set.users) add(base64(`${user}:${value}`), "<redacted Basic credentials>");
  }
  let out = text;
  // Longest first, so a secret that contains another is masked whole; base64 padding goes with it.
  for (const [form, mask] of [...forms].sort((a, b) => b[0].length - a[0].length)) {
    out = out.replace(new RegExp(`${escapeRegExp(form)}={0,2}`, "g"), () => mask);
  }
  if (set.hashes.length > 0) out = await maskHashed(out, set.hashes);
  return maskCredentialShapes(out);
}

/** Masks what looks like a credential wherever it comes from: for text no account is known for. */
export function maskCredentialShapes(text: string): string {
  return text
    .replace(/\beyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*/g, "<redacted token>")
    .replace(/\b(Bearer|Basic|JWT)(\s+)(?=[A-Za-z0-9._~+/-]*\d)[A-Za-z0-9._~+/-]{12,}=*/gi, "$1$2<redacted>");
}

/** The forms a secret takes on the wire: as is, URL- and form-encoded, JSON-escaped, base64 (padding dropped). */
function encodings(value: string): string[] {
  const url = encodeURIComponent(value);
  const json = JSON.stringify(value).slice(1, -1);
  return [value, url, url.replaceAll("%20", "+"), json, json.replaceAll("/", "\\/"), base64(value), base64(value).replaceAll("+", "-").replaceAll("/", "_")];
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\/-]/g, "\\$&");
}

function base64(value: string): string {
  return toBase64(new TextEncoder().encode(value)).replace(/=+$/, "");
}

async function maskHashed(text: string, hashes: string[]): Promise<string> {
  const candidates = [...new Set(text.match(/[A-Za-z0-9_-]{16,}/g) ?? [])].slice(0, MAX_HASHED_CANDIDATES);
  let out = text;
  for (const word of candidates) {
    if (hashes.includes(await sha256Hex(word))) out = out.replaceAll(word, "<redacted access token>");
  }
  return out;
}

/** Every string in a JSON-like value, with the name of the field that holds it. */
function strings(value: unknown, name = "secret"): [string, string][] {
  if (typeof value === "string") return [[name, value]];
  if (Array.isArray(value)) return value.flatMap((v) => strings(v, name));
  if (value && typeof value === "object") return Object.entries(value).flatMap(([k, v]) => strings(v, k));
  return [];
}
