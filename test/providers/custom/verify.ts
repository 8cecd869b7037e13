/**
 * The receiver's side of docs/custom-channel.md "Verifying a request", written independently of
 * the hub's signing code: HMAC-SHA256 over the bytes `X-Hub-Timestamp` + "." + raw body, lowercase
 * hex, compared with X-Hub-Signature after "sha256=".
 */
export async function receiverVerifies(headers: Headers, rawBody: string, secret: string): Promise<boolean> {
  const timestamp = headers.get("x-hub-timestamp");
  const signature = headers.get("x-hub-signature");
  if (!timestamp || !signature?.startsWith("sha256=")) return false;
  const key = await crypto.subtle.importKey("raw", new TextEncoder().encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["verify"]);
  const expected = hexToBytes(signature.slice("sha256=".length));
  if (!expected) return false;
  return crypto.subtle.verify("HMAC", key, expected, new TextEncoder().encode(`${timestamp}.${rawBody}`));
}

function hexToBytes(hex: string): Uint8Array | null {
  if (!/^[0-9a-f]{64}$/.test(hex)) return null;
  return new Uint8Array(hex.match(/../g)!.map((b) => parseInt(b, 16)));
}
