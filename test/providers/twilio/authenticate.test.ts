import { describe, expect, it } from "vitest";
import { authenticateTwilio, signedString, twilioSignature, urlVariants } from "../../../src/providers/twilio/authenticate";
import type { WebhookRequest } from "../../../src/providers/types";
import { AUTH_TOKEN, creds, formBody, sign } from "./helpers";

const enc = new TextEncoder();

function request(url: string, body: string | Uint8Array, signature?: string): WebhookRequest {
  const headers = new Headers({ "Content-Type": "application/x-www-form-urlencoded" });
  if (signature !== undefined) headers.set("X-Twilio-Signature", signature);
  return { url, method: "POST", headers, rawBody: typeof body === "string" ? enc.encode(body) : body };
}

// The example Twilio's helper libraries test against (twilio-php / twilio-csharp / twilio-python
// RequestValidator tests, from Twilio's webhook security guide): auth token "12345".
const DOC_TOKEN = "12345";
const DOC_URL = "https://mycompany.com/myapp.php?foo=1&bar=2";
const DOC_PARAMS: [string, string][] = [
  ["CallSid", "CA1234567890ABCDE"],
  ["Caller", "+14158675309"],
  ["Digits", "1234"],
  ["From", "+14158675309"],
  ["To", "+18005551212"],
];
const DOC_SIGNATURE = "RSOYDt4T1cUTdK1PDd93/VVr8B8=";

describe("Twilio's published signature vectors", () => {
  it("builds the documented string: the URL, then name+value in name order, no separators", () => {
    const shuffled: [string, string][] = [DOC_PARAMS[4]!, DOC_PARAMS[2]!, DOC_PARAMS[0]!, DOC_PARAMS[3]!, DOC_PARAMS[1]!];
    expect(signedString(DOC_URL, shuffled)).toBe(
      "https://mycompany.com/myapp.php?foo=1&bar=2CallSidCA1234567890ABCDECaller+14158675309Digits1234From+14158675309To+18005551212",
    );
  });

  it("computes the documented signature", async () => {
    expect(await twilioSignature(DOC_TOKEN, DOC_URL, DOC_PARAMS)).toBe(DOC_SIGNATURE);
  });

  it("accepts the documented request as Twilio posts it (form-encoded, any order)", async () => {
    const body = "To=%2B18005551212&Digits=1234&From=%2B14158675309&CallSid=CA1234567890ABCDE&Caller=%2B14158675309";
    expect(await authenticateTwilio(request(DOC_URL, body, DOC_SIGNATURE), { authToken: DOC_TOKEN })).toBeNull();
  });

  it("signs a repeated parameter once per distinct value, values sorted (twilio-php 'array and duplicates' vector)", async () => {
    const body = "Sid=CA123&SidAccount=AC123&Digits=5678&Digits=1234&Digits=1234";
    expect(await authenticateTwilio(request(DOC_URL, body, "IK+Dwps556ElfBT0I3Rgjkr1wJU="), { authToken: DOC_TOKEN })).toBeNull();
    expect(signedString(DOC_URL, [["Digits", "5678"], ["Digits", "1234"], ["Digits", "1234"]])).toBe(`${DOC_URL}Digits1234Digits5678`);
  });

  it("accepts a signature over the URL with the default port written out (twilio-php 'adds port' vector)", async () => {
    const body = formBody(DOC_PARAMS);
    expect(await authenticateTwilio(request(DOC_URL, body, "kvajT1Ptam85bY51eRf/AJRuM3w="), { authToken: DOC_TOKEN })).toBeNull();
    expect(urlVariants("https://hub.example.test/webhooks/twilio/k")).toEqual([
      "https://hub.example.test/webhooks/twilio/k",
      "https://hub.example.test:443/webhooks/twilio/k",
    ]);
  });
});

describe("authenticateTwilio", () => {
  const url = "https://hub.example.test/webhooks/twilio/k1";
  const params = { Body: "Grüße, siparişim nerede? 📦", From: "whatsapp:+905321234567", MessageSid: "SM1" };

  it("hashes UTF-8 values: matches a signature computed independently (Node crypto) over the same request", async () => {
    // crypto.createHmac("sha1", AUTH_TOKEN).update(Buffer.from(url + "BodyGrüße, …📦Fromwhatsapp:+905321234567MessageSidSM1", "utf-8")).digest("base64")
    const independent = "0kefOztIGMvLCukkdD0pws7gXOo=";
    expect(await sign(url, params)).toBe(independent);
    expect(await authenticateTwilio(request(url, formBody(params), independent), creds)).toBeNull();
  });

  it("accepts the header under any case of its name", async () => {
    const req = request(url, formBody(params));
    req.headers.set("x-twilio-signature", await sign(url, params));
    expect(await authenticateTwilio(req, creds)).toBeNull();
  });

  it("reports a missing or empty header", async () => {
    expect(await authenticateTwilio(request(url, formBody(params)), creds)).toBe("missing X-Twilio-Signature");
    expect(await authenticateTwilio(request(url, formBody(params), ""), creds)).toBe("missing X-Twilio-Signature");
  });

  it("rejects a wrong signature of the same length, a prefix, and a longer one", async () => {
    const good = await sign(url, params);
    const sameLength = (good[0] === "A" ? "B" : "A") + good.slice(1);
    expect(sameLength).toHaveLength(good.length);
    for (const wrong of [sameLength, good.slice(0, -1), `${good}x`]) {
      expect(await authenticateTwilio(request(url, formBody(params), wrong), creds)).toBe("signature mismatch");
    }
  });

  it("rejects a signature made with another auth token", async () => {
    const other = await sign(url, params, "0000000000000000000000000000000a");
    expect(await authenticateTwilio(request(url, formBody(params), other), creds)).toBe("signature mismatch");
  });

  it("rejects a signature over another URL (another account key, the internal URL, an added query)", async () => {
    for (const signedUrl of [`${url}x`, "http://10.0.0.7:8787/webhooks/twilio/k1", `${url}?a=1`]) {
      expect(await authenticateTwilio(request(url, formBody(params), await sign(signedUrl, params)), creds)).toBe("signature mismatch");
    }
  });

  it("covers every parameter, including ones the hub never reads", async () => {
    const signature = await sign(url, params);
    // A parameter added after signing, one removed, one changed: each breaks it.
    const added = formBody({ ...params, ChannelMetadata: '{"type":"whatsapp"}' });
    const { From: _dropped, ...removed } = params;
    const changed = { ...params, Body: "Grüße, siparişim nerede? 📦!" };
    for (const body of [added, formBody(removed), formBody(changed)]) {
      expect(await authenticateTwilio(request(url, body, signature), creds)).toBe("signature mismatch");
    }
    // And a parameter the hub does not know, signed by Twilio, is fine.
    const withUnknown = { ...params, ChannelMetadata: '{"type":"whatsapp"}', ReferralNumMedia: "0" };
    expect(await authenticateTwilio(request(url, formBody(withUnknown), await sign(url, withUnknown)), creds)).toBeNull();
  });

  it("decodes + as a space and percent-escapes as UTF-8 before hashing, as Twilio signs the decoded values", async () => {
    const body = "MessageSid=SM1&From=whatsapp%3A%2B905321234567&Body=Gr%C3%BC%C3%9Fe%2C+sipari%C5%9Fim+nerede%3F+%F0%9F%93%A6";
    expect(await authenticateTwilio(request(url, body, await sign(url, params)), creds)).toBeNull();
  });

  it("is keyed by the auth token it is given", async () => {
    expect(AUTH_TOKEN).toHaveLength(32);
    expect(await twilioSignature(AUTH_TOKEN, url, [])).not.toBe(await twilioSignature(`${AUTH_TOKEN}0`, url, []));
  });
});
