import { describe, expect, it } from "vitest";
import { customAdapter } from "../../../src/providers/custom";
import { activateCustom, echoedChallenge } from "../../../src/providers/custom/activate";
import { sha256Hex } from "../../../src/security/crypto";
import { json, OUTGOING_URL, onlyRequest, SIGNING_SECRET, settings, stubFetch } from "./helpers";
import { receiverVerifies } from "./verify";

const NOW = Date.UTC(2026, 0, 1, 8);
const creds = { signingSecret: SIGNING_SECRET };

/** A stand-in for the third party's endpoint: answers the challenge it received with `answer`. */
const echo = (answer: (challenge: string) => Response) => async (init?: RequestInit) => answer(JSON.parse(String(init?.body)).challenge);

describe("activateCustom", () => {
  it("POSTs a signed challenge; a JSON echo activates with a new token whose SHA-256 is the stored hash", async () => {
    const fetch = stubFetch(echo((challenge) => json({ challenge })));
    const result = await activateCustom(creds, settings, NOW);
    const req = onlyRequest(fetch);
    expect(req.url).toBe(OUTGOING_URL);
    expect(req.method).toBe("POST");
    expect(req.redirect).toBe("manual");
    expect(req.headers.get("content-type")).toBe("application/json");
    expect(Object.keys(req.body)).toEqual(["type", "challenge"]);
    expect(req.body.type).toBe("challenge");
    expect(req.body.challenge).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(req.headers.get("x-hub-timestamp")).toBe(String(NOW / 1000));
    expect(await receiverVerifies(req.headers, req.raw, SIGNING_SECRET)).toBe(true);

    expect(result.status).toBe("active");
    if (result.status !== "active") return;
    const token = result.reveal!.accessToken!;
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(result.credentialsPatch).toEqual({ accessTokenHash: await sha256Hex(token) });
    expect(JSON.stringify(result.credentialsPatch)).not.toContain(token);
  });

  it("accepts the bare value as text/plain (surrounding whitespace ignored), and a JSON string", async () => {
    stubFetch(echo((c) => new Response(`${c}\n`, { headers: { "content-type": "text/plain; charset=utf-8" } })));
    expect((await activateCustom(creds, settings, NOW)).status).toBe("active");
    stubFetch(echo((c) => new Response(JSON.stringify(c), { headers: { "content-type": "application/json" } })));
    expect((await activateCustom(creds, settings, NOW)).status).toBe("active");
  });

  it("each activation sends a fresh challenge and reveals a fresh token", async () => {
    const fetch = stubFetch(echo((challenge) => json({ challenge })), echo((challenge) => json({ challenge })));
    const a = await activateCustom(creds, settings, NOW);
    const b = await activateCustom(creds, settings, NOW);
    expect(JSON.parse(String(fetch.mock.calls[0]![1]!.body)).challenge).not.toBe(JSON.parse(String(fetch.mock.calls[1]![1]!.body)).challenge);
    expect(a.status === "active" && b.status === "active" && a.reveal!.accessToken !== b.reveal!.accessToken).toBe(true);
  });

  it("stays pending with the reason when the echo is wrong, missing or malformed", async () => {
    stubFetch(json({ challenge: "not-what-was-sent" }));
    expect(await activateCustom(creds, settings, NOW)).toEqual({ status: "pending", reason: "activation failed: the answer echoed a different challenge value" });
    for (const answer of [json({ ok: true }), new Response(""), json({ challenge: 42 }), new Response("{oops", { headers: { "content-type": "application/json" } })]) {
      stubFetch(answer);
      expect(await activateCustom(creds, settings, NOW)).toEqual({
        status: "pending",
        reason: 'activation failed: the answer did not echo the challenge (expected JSON {"challenge": "<value>"} or the bare value as text/plain)',
      });
    }
  });

  it("stays pending on a non-2xx (even one echoing the challenge) and on a redirect", async () => {
    stubFetch(echo((challenge) => json({ challenge }, 500)));
    const failed = await activateCustom(creds, settings, NOW);
    expect(failed).toMatchObject({ status: "pending" });
    expect(failed.status === "pending" && failed.reason).toMatch(/^activation failed: the outgoing webhook answered HTTP 500 to the challenge: \{"challenge":/);
    stubFetch(new Response("no such route", { status: 404 }));
    expect(await activateCustom(creds, settings, NOW)).toEqual({
      status: "pending",
      reason: "activation failed: the outgoing webhook answered HTTP 404 to the challenge: no such route",
    });
    stubFetch(new Response(null, { status: 302, headers: { Location: "https://login.partner.example/" } }));
    expect(await activateCustom(creds, settings, NOW)).toEqual({
      status: "pending",
      reason: "activation failed: the outgoing webhook answered HTTP 302 (redirects are not followed: configure the final URL)",
    });
  });

  it("stays pending when the endpoint cannot be reached", async () => {
    stubFetch(new TypeError("fetch failed: getaddrinfo ENOTFOUND chat.partner.example"));
    expect(await activateCustom(creds, settings, NOW)).toEqual({
      status: "pending",
      reason: "activation failed: the outgoing webhook could not be reached (TypeError: fetch failed: getaddrinfo ENOTFOUND chat.partner.example)",
    });
  });

  it("stays pending when the endpoint does not answer in time (the request carries the abort signal)", async () => {
    const hang = (init?: RequestInit) =>
      new Promise<Response>((_, reject) => init!.signal!.addEventListener("abort", () => reject(init!.signal!.reason)));
    stubFetch(hang);
    const started = Date.now();
    expect(await activateCustom(creds, settings, NOW, 50)).toEqual({
      status: "pending",
      reason: "activation failed: the outgoing webhook did not answer the challenge within 0.05 s",
    });
    expect(Date.now() - started).toBeLessThan(3000);
  });

  it("the adapter activates with the account's credentials and settings", async () => {
    const fetch = stubFetch(echo((challenge) => json({ challenge })));
    const result = await customAdapter.activate!({ accountId: "a", creds, settings, receiveUrl: "https://hub.example.test/webhooks/custom/k", now: NOW });
    expect(result.status).toBe("active");
    expect(onlyRequest(fetch).url).toBe(OUTGOING_URL);
  });
});

describe("echoedChallenge", () => {
  it("reads JSON {challenge}, a JSON string, or bare text", () => {
    expect(echoedChallenge("application/json", '{"challenge":"abc"}')).toBe("abc");
    expect(echoedChallenge(null, ' {"challenge":"abc","extra":1} ')).toBe("abc");
    expect(echoedChallenge("text/plain", "abc\r\n")).toBe("abc");
    expect(echoedChallenge("application/json", '"abc"')).toBe("abc");
    expect(echoedChallenge("application/json", "[1]")).toBeUndefined();
    expect(echoedChallenge("text/plain", "  ")).toBeUndefined();
  });
});
