import { constantTimeEqual, sha256Hex } from "../../security/crypto";
import type { WebhookRequest } from "../types";
import type { CustomCredentials } from "./config";

/**
 * `Authorization: Bearer <access token>`: the token's SHA-256 is compared in constant time with
 * the stored hash (the hub never stores the token). Null when it matches, else the reason.
 */
export async function authenticateCustom(req: WebhookRequest, creds: Pick<CustomCredentials, "accessTokenHash">): Promise<string | null> {
  const header = req.headers.get("Authorization");
  const token = header?.match(/^Bearer[ \t]+(\S+)[ \t]*$/i)?.[1];
  if (!header) return "missing Authorization: Bearer <access token>";
  if (!token) return "Authorization is not a Bearer token";
  if (!creds.accessTokenHash) return "the channel has no access token yet (not activated)";
  return constantTimeEqual(await sha256Hex(token), creds.accessTokenHash) ? null : "access token mismatch";
}
