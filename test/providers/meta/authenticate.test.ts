/// <reference types="vite/client" />
import { describe, expect, it } from "vitest";
import { authenticateMeta, handshakeMeta } from "../../../src/providers/meta/authenticate";
import rawEscaped from "../../fixtures/meta/signed-escaped.json?raw";
import { APP_SECRETS, signatureOf, VERIFY_TOKEN } from "./helpers";

const enc = new TextEncoder();
const creds = { appSecrets: APP_SECRETS };
const req = (body: string | Uint8Array, signature?: string) => ({
  url: "https://hub.example.test/webhooks/meta/k",
  method: "POST",
  headers: new Headers(signature === undefined ? {} : { "X-Hub-Signature-256": signature }),
  rawBody: typeof body === "string" ? enc.encode(body) : body,
});

/**
 * Meta publishes no test vector for X-Hub-Signature-256. These were computed outside the hub, with
 * Node's crypto.createHmac("sha256", secret).update(<the fixture file's bytes>).digest("hex").
 */
const NODE_VECTORS = {
  "meta-app-secret-1": "0ad2c8f3ca7846e5e1ebf00d702a167fd28bd7e8e141d89ae878b2d11f8a777d",
  "ig-app-secret-2": "2041bf2e59929fdb12c38003843f06091845dc4a81b655d4b727f02604040d90",
};

describe("authenticateMeta", () => {
  it("the fixture holds Meta's \\u escapes and raw UTF-8 both", () => {
    expect(rawEscaped).toContain("Gr\\u00fc\\u00dfe aus M\\u00fcnchen \\ud83d\\udce6");
    expect(rawEscaped).toContain("sipariş nerede? Çok teşekkürler 🙏");
    expect(JSON.parse(rawEscaped).entry[0].messaging[0].message.text).toBe("Grüße aus München 📦 — sipariş nerede? Çok teşekkürler 🙏");
  });

  it("accepts the signature of the raw bytes (independent vector), with either app secret", async () => {
    const bytes = enc.encode(rawEscaped);
    expect(bytes.byteLength).toBe(486);
    expect(await authenticateMeta(req(bytes, `sha256=${NODE_VECTORS["meta-app-secret-1"]}`), creds)).toBeNull();
    expect(await authenticateMeta(req(bytes, `sha256=${NODE_VECTORS["ig-app-secret-2"]}`), creds)).toBeNull();
    // Hex digits in upper case are the same digest.
    expect(await authenticateMeta(req(bytes, `sha256=${NODE_VECTORS["ig-app-secret-2"].toUpperCase()}`), creds)).toBeNull();
  });

  it("hashes the bytes received, not a re-serialization of the parsed JSON", async () => {
    const reserialized = JSON.stringify(JSON.parse(rawEscaped));
    expect(reserialized).not.toBe(rawEscaped.trimEnd()); // escapes became raw characters
    expect(await authenticateMeta(req(reserialized, `sha256=${NODE_VECTORS["meta-app-secret-1"]}`), creds)).toBe("signature mismatch");
  });

  it("rejects a signature by a secret the account does not hold", async () => {
    const body = '{"object":"instagram","entry":[]}';
    expect(await authenticateMeta(req(body, await signatureOf(body, "someone-elses-secret")), creds)).toBe("signature mismatch");
    expect(await authenticateMeta(req(body, await signatureOf(body)), creds)).toBeNull();
  });

  it("rejects a missing or malformed header", async () => {
    expect(await authenticateMeta(req("{}"), creds)).toBe("missing X-Hub-Signature-256");
    for (const bad of ["sha1=0ad2c8f3ca7846e5e1ebf00d702a167fd28bd7e8", NODE_VECTORS["meta-app-secret-1"], "sha256=xyz", "sha256="]) {
      expect(await authenticateMeta(req("{}", bad), creds)).toMatch(/^malformed X-Hub-Signature-256/);
    }
  });

  it("rejects a wrong signature of the right length (one hex digit changed)", async () => {
    const good = NODE_VECTORS["meta-app-secret-1"];
    const wrong = `${good.slice(0, -1)}${good.endsWith("d") ? "e" : "d"}`;
    expect(wrong).toHaveLength(good.length);
    expect(await authenticateMeta(req(enc.encode(rawEscaped), `sha256=${wrong}`), creds)).toBe("signature mismatch");
  });

  it("rejects a body changed by one byte", async () => {
    const changed = rawEscaped.replace("teşekkürler", "tesekkürler");
    expect(await authenticateMeta(req(changed, `sha256=${NODE_VECTORS["meta-app-secret-1"]}`), creds)).toBe("signature mismatch");
  });
});

describe("handshakeMeta", () => {
  const url = (q: Record<string, string>) => new URL(`https://hub.example.test/webhooks/meta/k?${new URLSearchParams(q)}`);

  it("answers the challenge as text/plain when the verify token matches", async () => {
    const res = handshakeMeta(url({ "hub.mode": "subscribe", "hub.verify_token": VERIFY_TOKEN, "hub.challenge": "1158201444" }), VERIFY_TOKEN)!;
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/plain; charset=utf-8");
    expect(await res.text()).toBe("1158201444");
  });

  it("403 for a wrong token, a same-length wrong token, or another mode", async () => {
    const sameLength = `${VERIFY_TOKEN.slice(0, -1)}X`;
    const cases: Record<string, string>[] = [
      { "hub.mode": "subscribe", "hub.verify_token": "nope", "hub.challenge": "1" },
      { "hub.mode": "subscribe", "hub.verify_token": sameLength, "hub.challenge": "1" },
      { "hub.mode": "subscribe", "hub.challenge": "1" },
      { "hub.mode": "unsubscribe", "hub.verify_token": VERIFY_TOKEN, "hub.challenge": "1" },
    ];
    for (const q of cases) {
      const res = handshakeMeta(url(q), VERIFY_TOKEN)!;
      expect(res.status).toBe(403);
      expect((await res.json<any>()).error.code).toBe("forbidden");
    }
  });

  it("null for a GET that is not a handshake", () => {
    expect(handshakeMeta(url({}), VERIFY_TOKEN)).toBeNull();
    expect(handshakeMeta(url({ "hub.challenge": "1", "hub.verify_token": VERIFY_TOKEN }), VERIFY_TOKEN)).toBeNull();
  });
});
