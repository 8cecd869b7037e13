import { constantTimeEqual, hmac, toBase64 } from "../../security/crypto";
import type { WebhookRequest } from "../types";
import type { TwilioCredentials } from "./config";
import { parseFormLenient, type FormPairs } from "./form";

export const SIGNATURE_HEADER = "X-Twilio-Signature";

/**
 * The string Twilio signs: the URL it called, then for each POST parameter sorted by name, the
 * name followed by the value, without separators. A repeated name contributes each distinct value,
 * values sorted — as Twilio's own helper libraries compute it (twilio-node toFormUrlEncodedParam).
 */
export function signedString(url: string, params: FormPairs): string {
  const byName = new Map<string, Set<string>>();
  for (const [name, value] of params) {
    const values = byName.get(name) ?? new Set<string>();
    values.add(value);
    byName.set(name, values);
  }
  let data = url;
  for (const name of [...byName.keys()].sort()) {
    for (const value of [...byName.get(name)!].sort()) data += name + value;
  }
  return data;
}

/** base64(HMAC-SHA1(authToken, signedString(url, params))), over the UTF-8 bytes. */
export async function twilioSignature(authToken: string, url: string, params: FormPairs): Promise<string> {
  return toBase64(await hmac("SHA-1", authToken, signedString(url, params)));
}

/**
 * The spellings of `url` Twilio may have signed: as given, without the port, and with the scheme's
 * default port written out. Twilio's helper libraries accept both port forms because Twilio's
 * own signing is not consistent about them.
 */
export function urlVariants(url: string): string[] {
  const u = new URL(url);
  const defaultPort = u.protocol === "https:" ? "443" : u.protocol === "http:" ? "80" : "";
  const tail = `${u.pathname}${u.search}`;
  const variants = [url, `${u.protocol}//${u.hostname}${tail}`];
  if (defaultPort) variants.push(`${u.protocol}//${u.hostname}:${u.port || defaultPort}${tail}`);
  return [...new Set(variants)];
}

/** Checks X-Twilio-Signature over `req.url` and every form parameter; null when it holds. */
export async function authenticateTwilio(req: WebhookRequest, creds: Pick<TwilioCredentials, "authToken">): Promise<string | null> {
  const got = req.headers.get(SIGNATURE_HEADER);
  if (!got) return `missing ${SIGNATURE_HEADER}`;
  const params = parseFormLenient(req.rawBody);
  let ok = false;
  for (const url of urlVariants(req.url)) {
    // Every variant is computed and compared: the time taken does not say which one matched.
    if (constantTimeEqual(got, await twilioSignature(creds.authToken, url, params))) ok = true;
  }
  return ok ? null : "signature mismatch";
}
