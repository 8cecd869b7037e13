import { signedHeaders } from "./signature";

export type PostOutcome =
  | { kind: "answer"; status: number; headers: Headers; body: string }
  | { kind: "network"; timedOut: boolean; message: string };

/** The most of an answer the hub reads: enough for an id, a challenge or an error text. */
const MAX_ANSWER_CHARS = 64 * 1024;

/**
 * POSTs `payload` as signed JSON to the outgoing webhook. Redirects are not followed: a signed
 * request goes only to the URL the admin configured. Never throws.
 */
export async function postSigned(url: string, signingSecret: string, payload: unknown, nowMs: number, timeoutMs: number): Promise<PostOutcome> {
  const body = JSON.stringify(payload);
  try {
    const res = await fetch(url, {
      method: "POST",
      headers: await signedHeaders(signingSecret, body, nowMs),
      body,
      redirect: "manual",
      signal: AbortSignal.timeout(timeoutMs),
    });
    const text = await res.text();
    return { kind: "answer", status: res.status, headers: res.headers, body: text.slice(0, MAX_ANSWER_CHARS) };
  } catch (err) {
    const timedOut = err instanceof Error && (err.name === "TimeoutError" || err.name === "AbortError");
    const message = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
    return { kind: "network", timedOut, message };
  }
}

/** A short, single-line excerpt of an answer body for a reason string. */
export function excerpt(body: string, max = 200): string {
  const line = body.replace(/\s+/g, " ").trim();
  return line.length > max ? `${line.slice(0, max)}…` : line;
}
