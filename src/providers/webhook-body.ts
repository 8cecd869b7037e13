import { ApiError } from "../errors";
import type { AuthResult } from "./types";

const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false });

/** A JSON webhook body from its raw bytes: invalid UTF-8 or invalid JSON is a 400 `malformed_json`. */
export function parseJsonBody(rawBody: Uint8Array): unknown {
  try {
    return JSON.parse(utf8.decode(rawBody));
  } catch (err) {
    throw new ApiError(400, "malformed_json", "The body is not UTF-8 JSON", err instanceof Error ? err.message : undefined);
  }
}

/** An adapter's "null when authentic, else the reason" as the route's AuthResult. */
export function authResult(reason: string | null): AuthResult {
  return reason === null ? { ok: true } : { ok: false, reason };
}
