import { createExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { createApp } from "../../src/app";
import { sha256Hex, unseal } from "../../src/security/crypto";
import { auditRows, BASE, BOT_TOKEN, call, countRows, seedAccount, seedTicket, seedWorld, unique } from "../helpers/api";
import { receiverVerifies } from "../providers/custom/verify";

const storedCredentials = async (id: string) =>
  (await env.DB.prepare("SELECT credentials FROM channel_accounts WHERE id = ?1").bind(id).first<{ credentials: string }>())!.credentials;

async function createAccount(token: string, queueId: string, extra: Record<string, unknown> = {}) {
  return call("/api/v1/accounts", {
    method: "POST",
    token,
    json: { provider: "telegram", name: unique("Support bot"), queueId, credentials: { botToken: BOT_TOKEN }, ...extra },
  });
}

describe("accounts", () => {
  it("creates a telegram account: credentials sealed at rest, never returned, secret token generated", async () => {
    const { admin, supervisor, queueId } = await seedWorld();
    const res = await createAccount(admin.token, queueId, { settings: { apiBaseUrl: "https://bot-api.test" } });
    expect(res.status).toBe(201);
    expect(res.data).toMatchObject({
      provider: "telegram",
      queueId,
      settings: { apiBaseUrl: "https://bot-api.test" },
      credentialsSet: { botToken: true, secretToken: true },
      status: "active",
      statusReason: null,
      lastWebhookAt: null,
      lastAuthFailureAt: null,
      lastAuthFailure: null,
      lastDeliveryErrorAt: null,
      lastDeliveryError: null,
    });
    expect(res.data.key).toMatch(/^[A-Za-z0-9_-]{16}$/);
    expect(res.data.receiveUrl).toBe(`${BASE}/webhooks/telegram/${res.data.key}`);
    expect(res.text).not.toContain(BOT_TOKEN);
    expect(res.data).not.toHaveProperty("credentials");

    const sealed = await storedCredentials(res.data.id);
    expect(sealed).not.toContain(BOT_TOKEN);
    expect(sealed).toMatch(/^v1\./);
    const creds = JSON.parse(await unseal(env.SECRETS_KEY, sealed));
    expect(creds.botToken).toBe(BOT_TOKEN);
    expect(creds.secretToken).toMatch(/^[A-Za-z0-9_-]{32,}$/);

    for (const path of ["/api/v1/accounts", `/api/v1/accounts/${res.data.id}`]) {
      const read = await call(path, { token: supervisor.token });
      expect(read.status).toBe(200);
      expect(read.text).not.toContain(BOT_TOKEN);
      expect(read.text).not.toContain(creds.secretToken);
    }
    const audit = await auditRows(res.data.id);
    expect(audit.map((r) => r.action)).toEqual(["account.create"]);
    expect(audit[0]!.details).not.toContain(BOT_TOKEN);
    expect(audit[0]!.details).not.toContain(creds.secretToken);
    expect(JSON.parse(audit[0]!.details!).credentialFields.sort()).toEqual(["botToken", "secretToken"]);
  });

  it("fills settings defaults and builds the receive URL from the request when PUBLIC_BASE_URL is empty", async () => {
    const { admin, queueId } = await seedWorld();
    const created = await createAccount(admin.token, queueId);
    expect(created.data.settings).toEqual({ apiBaseUrl: "https://api.telegram.org" });

    const app = createApp();
    const res = await app.fetch(
      new Request(`http://localhost:8787/api/v1/accounts/${created.data.id}`, { headers: { Authorization: `Bearer ${admin.token}` } }),
      { ...env, PUBLIC_BASE_URL: "" },
      createExecutionContext(),
    );
    const body = (await res.json()) as { receiveUrl: string };
    expect(body.receiveUrl).toBe(`http://localhost:8787/webhooks/telegram/${created.data.key}`);
  });

  it("rejects credentials and settings of another provider, bad credentials and unknown queues, storing nothing", async () => {
    const { admin, queueId } = await seedWorld();
    const before = await countRows("channel_accounts");
    // Telegram's fields on a Meta account are validated by Meta's schemas.
    const meta = await createAccount(admin.token, queueId, { provider: "meta" });
    expect(meta.status).toBe(400);
    expect(meta.data.error.code).toBe("validation_failed");

    const badToken = await createAccount(admin.token, queueId, { credentials: { botToken: "nope" } });
    expect(badToken.status).toBe(400);
    expect(badToken.data.error.details).toEqual([{ path: "credentials.botToken", message: "Expected a Bot API token like 123456:ABC…" }]);
    expect(badToken.text).not.toContain("nope\"");

    const extraCred = await createAccount(admin.token, queueId, { credentials: { botToken: BOT_TOKEN, appSecret: "x" } });
    expect(extraCred.status).toBe(400);
    const badSettings = await createAccount(admin.token, queueId, { settings: { apiBaseUrl: "not a url" } });
    expect(badSettings.status).toBe(400);
    expect(badSettings.data.error.details[0].path).toBe("settings.apiBaseUrl");
    const noQueue = await createAccount(admin.token, crypto.randomUUID());
    expect(noQueue.status).toBe(400);
    expect(noQueue.data.error.details).toEqual([{ path: "queueId", message: "No such queue" }]);
    const unknownProvider = await createAccount(admin.token, queueId, { provider: "pigeon" });
    expect(unknownProvider.status).toBe(400);
    expect(unknownProvider.data.error.details[0].path).toBe("provider");

    expect(await countRows("channel_accounts")).toBe(before);
  });

  it("PATCH merges new credentials into the stored ones and clears an error status", async () => {
    const { admin, queueId, otherQueueId } = await seedWorld();
    const created = await createAccount(admin.token, queueId, { credentials: { botToken: BOT_TOKEN, secretToken: "first-secret" } });
    const id: string = created.data.id;
    await env.DB.prepare("UPDATE channel_accounts SET status = 'error', status_reason = 'bot token rejected' WHERE id = ?1").bind(id).run();

    const newToken = "987654321:BBHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw";
    const res = await call(`/api/v1/accounts/${id}`, {
      method: "PATCH",
      token: admin.token,
      json: { name: "Renamed", queueId: otherQueueId, credentials: { botToken: newToken } },
    });
    expect(res.status).toBe(200);
    expect(res.data).toMatchObject({ name: "Renamed", queueId: otherQueueId, status: "active", statusReason: null });
    expect(res.data.credentialsSet).toEqual({ botToken: true, secretToken: true });
    expect(res.text).not.toContain(newToken);
    expect(JSON.parse(await unseal(env.SECRETS_KEY, await storedCredentials(id)))).toEqual({ botToken: newToken, secretToken: "first-secret" });

    const invalid = await call(`/api/v1/accounts/${id}`, { method: "PATCH", token: admin.token, json: { credentials: { secretToken: "has spaces" } } });
    expect(invalid.status).toBe(400);
    expect(JSON.parse(await unseal(env.SECRETS_KEY, await storedCredentials(id))).secretToken).toBe("first-secret");

    const audit = await auditRows(id);
    expect(audit.map((r) => r.action)).toEqual(["account.create", "account.update"]);
    expect(JSON.parse(audit[1]!.details!)).toEqual({ name: "Renamed", queueId: otherQueueId, credentialFields: ["botToken"] });
  });

  it("deletes an account without tickets; refuses one with tickets", async () => {
    const { admin, queueId } = await seedWorld();
    const empty = await createAccount(admin.token, queueId);
    expect((await call(`/api/v1/accounts/${empty.data.id}`, { method: "DELETE", token: admin.token })).status).toBe(204);
    expect(await countRows("channel_accounts", "id = ?1", empty.data.id)).toBe(0);

    const busy = await seedAccount(queueId);
    await seedTicket(busy.id, queueId);
    const res = await call(`/api/v1/accounts/${busy.id}`, { method: "DELETE", token: admin.token });
    expect(res.status).toBe(409);
    expect(await countRows("channel_accounts", "id = ?1", busy.id)).toBe(1);
  });
});

describe("telegram setWebhook", () => {
  const realFetch = globalThis.fetch;
  afterEach(() => {
    globalThis.fetch = realFetch;
  });

  it("registers the receive URL with the secret token and the updates the hub handles", async () => {
    const { admin, queueId } = await seedWorld();
    const account = await seedAccount(queueId);
    const stub = vi.fn(async (_input: RequestInfo | URL, _init?: RequestInit) => Response.json({ ok: true, result: true, description: "Webhook was set" }));
    globalThis.fetch = stub as typeof fetch;

    const res = await call(`/api/v1/accounts/${account.id}/telegram/webhook`, { method: "POST", token: admin.token });
    expect(res.status).toBe(200);
    const url = `${BASE}/webhooks/telegram/${account.key}`;
    expect(res.data).toEqual({ ok: true, url });

    expect(stub).toHaveBeenCalledTimes(1);
    const [target, init] = stub.mock.calls[0]!;
    expect(String(target)).toBe(`https://bot-api.test/bot${BOT_TOKEN}/setWebhook`);
    expect(init?.method).toBe("POST");
    expect(JSON.parse(String(init?.body))).toEqual({
      url,
      secret_token: "seeded-secret",
      allowed_updates: ["message", "edited_message"],
    });
    expect((await auditRows(account.id)).map((r) => r.action)).toEqual(["account.webhook_registered"]);
  });

  it("answers 502 with Telegram's description when it refuses", async () => {
    const { admin, queueId } = await seedWorld();
    const account = await seedAccount(queueId);
    globalThis.fetch = vi.fn(async () =>
      Response.json({ ok: false, error_code: 400, description: "Bad Request: bad webhook: HTTPS url must be provided for webhook" }, { status: 400 }),
    ) as typeof fetch;

    const res = await call(`/api/v1/accounts/${account.id}/telegram/webhook`, { method: "POST", token: admin.token });
    expect(res.status).toBe(502);
    expect(res.data.error.code).toBe("provider_error");
    expect(res.data.error.message).toContain("HTTPS url must be provided for webhook");
    expect(res.text).not.toContain(BOT_TOKEN);
    expect(await auditRows(account.id)).toEqual([]);
  });

  it("400 for an account whose provider has no webhook to register, without calling out", async () => {
    const { admin, queueId } = await seedWorld();
    const account = await seedAccount(queueId);
    await env.DB.prepare("UPDATE channel_accounts SET provider = 'meta' WHERE id = ?1").bind(account.id).run();
    const stub = vi.fn(async () => Response.json({ ok: true, result: true }));
    globalThis.fetch = stub as typeof fetch;

    const res = await call(`/api/v1/accounts/${account.id}/telegram/webhook`, { method: "POST", token: admin.token });
    expect(res.status).toBe(400);
    expect(res.data.error.message).toBe("This is a meta account, not a telegram one");
    expect(stub).not.toHaveBeenCalled();
    expect(await auditRows(account.id)).toEqual([]);
  });

  it("404 for an unknown account", async () => {
    const { admin } = await seedWorld();
    const res = await call(`/api/v1/accounts/${crypto.randomUUID()}/telegram/webhook`, { method: "POST", token: admin.token });
    expect(res.status).toBe(404);
  });
});

describe("custom channel activation", () => {
  const OUTGOING = "https://chat.partner.example/hub/outgoing";
  const webhook = (key: string, token: string | null, id = unique("msg")) =>
    call(`/webhooks/custom/${key}`, {
      method: "POST",
      headers: token === null ? {} : { Authorization: `Bearer ${token}` },
      json: { messages: [{ id, sender: { id: "cust-1", name: "Ayşe Yılmaz" }, text: "Merhaba 👋", timestamp: "2026-01-01T09:00:00Z" }] },
    });
  const createCustom = (token: string, queueId: string, extra: Record<string, unknown> = {}) =>
    call("/api/v1/accounts", { method: "POST", token, json: { provider: "custom", name: unique("Partner chat"), queueId, settings: { outgoingUrl: OUTGOING }, ...extra } });
  const activate = (token: string, id: string) => call(`/api/v1/accounts/${id}/activate`, { method: "POST", token });
  const sealedCreds = async (id: string) => JSON.parse(await unseal(env.SECRETS_KEY, await storedCredentials(id)));

  /** The third party's endpoint: echoes each challenge it gets (or answers as `answer` says); records the raw requests. */
  function endpoint(answer: (challenge: string) => Response | Promise<Response> = (challenge) => Response.json({ challenge })) {
    const requests: { url: string; init: RequestInit }[] = [];
    const fn = vi.fn(async (input: RequestInfo | URL, init?: RequestInit) => {
      requests.push({ url: String(input), init: init! });
      return answer(JSON.parse(String(init?.body)).challenge);
    });
    vi.stubGlobal("fetch", fn);
    return requests;
  }

  afterEach(() => {
    vi.unstubAllGlobals();
  });

  it("create sends the signed challenge first; on the echo: 201 active, the token and generated secret revealed once, only the token's hash stored", async () => {
    const { admin, supervisor, queueId } = await seedWorld();
    const requests = endpoint();
    const before = Math.floor(Date.now() / 1000);
    const res = await createCustom(admin.token, queueId);
    expect(res.status).toBe(201);

    expect(requests).toHaveLength(1);
    const { url, init } = requests[0]!;
    expect(url).toBe(OUTGOING);
    expect(init.method).toBe("POST");
    const headers = new Headers(init.headers);
    expect(headers.get("content-type")).toBe("application/json");
    const raw = String(init.body);
    const challenge = JSON.parse(raw).challenge as string;
    expect(raw).toBe(JSON.stringify({ type: "challenge", challenge }));
    expect(challenge).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(Number(headers.get("x-hub-timestamp"))).toBeGreaterThanOrEqual(before);

    expect(res.data).toMatchObject({
      provider: "custom",
      settings: { outgoingUrl: OUTGOING },
      credentialsSet: { signingSecret: true, accessTokenHash: true },
      status: "active",
      statusReason: null,
    });
    const { accessToken, signingSecret } = res.data.revealed;
    expect(Object.keys(res.data.revealed).sort()).toEqual(["accessToken", "signingSecret"]);
    expect(accessToken).toMatch(/^[A-Za-z0-9_-]{43}$/);
    // The receiver can check who asks: the challenge is signed with the secret it is now shown.
    expect(await receiverVerifies(headers, raw, signingSecret)).toBe(true);

    expect(await sealedCreds(res.data.id)).toEqual({ signingSecret, accessTokenHash: await sha256Hex(accessToken) });
    expect(await storedCredentials(res.data.id)).not.toContain(accessToken);
    for (const path of ["/api/v1/accounts", `/api/v1/accounts/${res.data.id}`]) {
      const read = await call(path, { token: supervisor.token });
      expect(read.status).toBe(200);
      expect(read.text).not.toContain(accessToken);
      expect(read.text).not.toContain(signingSecret);
      expect(read.text).not.toContain("revealed");
    }
    const audit = await auditRows(res.data.id);
    expect(audit.map((r) => r.action)).toEqual(["account.create"]);
    expect(audit[0]!.details).not.toContain(accessToken);
    expect(audit[0]!.details).not.toContain(signingSecret);
    expect(JSON.parse(audit[0]!.details!).activation).toEqual({ status: "active", reason: null });

    expect((await webhook(res.data.key, accessToken)).status).toBe(200);
  });

  it("an admin-given signing secret signs the challenge and is not revealed back", async () => {
    const { admin, queueId } = await seedWorld();
    const mine = "partner-chosen-secret_0123456789abcdef";
    const requests = endpoint();
    const res = await createCustom(admin.token, queueId, { credentials: { signingSecret: mine } });
    expect(res.status).toBe(201);
    expect(Object.keys(res.data.revealed)).toEqual(["accessToken"]);
    expect(res.text).not.toContain(mine);
    const { init } = requests[0]!;
    expect(await receiverVerifies(new Headers(init.headers), String(init.body), mine)).toBe(true);
    expect((await sealedCreds(res.data.id)).signingSecret).toBe(mine);
  });

  it("a wrong echo leaves the channel pending with the reason: no token revealed or stored, its webhook refused", async () => {
    const { admin, queueId } = await seedWorld();
    endpoint(() => Response.json({ challenge: "something else" }));
    const res = await createCustom(admin.token, queueId);
    expect(res.status).toBe(201);
    expect(res.data).toMatchObject({ status: "pending", statusReason: "activation failed: the answer echoed a different challenge value" });
    expect(res.data.credentialsSet).toEqual({ signingSecret: true });
    expect(Object.keys(res.data.revealed)).toEqual(["signingSecret"]);
    expect(await sealedCreds(res.data.id)).toEqual({ signingSecret: res.data.revealed.signingSecret });
    expect(JSON.parse((await auditRows(res.data.id))[0]!.details!).activation).toEqual({
      status: "pending",
      reason: "activation failed: the answer echoed a different challenge value",
    });

    const refused = await webhook(res.data.key, "any-token");
    expect(refused.status).toBe(403);
    expect(refused.data.error.code).toBe("channel_not_active");
  });

  it("a timeout, a network error or a non-2xx leaves the channel pending with the reason", async () => {
    const { admin, queueId } = await seedWorld();
    // What fetch does when AbortSignal.timeout fires, when the network fails, and a 5xx answer.
    const cases: [() => Promise<Response>, string][] = [
      [
        async () => {
          throw new DOMException("The operation was aborted due to timeout", "TimeoutError");
        },
        "activation failed: the outgoing webhook did not answer the challenge within 5 s",
      ],
      [
        async () => {
          throw new TypeError("Network connection lost.");
        },
        "activation failed: the outgoing webhook could not be reached (TypeError: Network connection lost.)",
      ],
      [async () => new Response("maintenance", { status: 503 }), "activation failed: the outgoing webhook answered HTTP 503 to the challenge: maintenance"],
    ];
    for (const [outcome, reason] of cases) {
      vi.stubGlobal("fetch", vi.fn(outcome));
      const res = await createCustom(admin.token, queueId);
      expect(res.status).toBe(201);
      expect(res.data).toMatchObject({ status: "pending", statusReason: reason });
      expect(res.data.revealed.accessToken).toBeUndefined();
    }
  });

  it("refuses accessTokenHash in create and update bodies (400), storing and calling nothing", async () => {
    const { admin, queueId } = await seedWorld();
    const requests = endpoint();
    const before = await countRows("channel_accounts");
    const hash = "a".repeat(64);
    const created = await createCustom(admin.token, queueId, { credentials: { accessTokenHash: hash } });
    expect(created.status).toBe(400);
    expect(created.data.error.details).toEqual([
      { path: "credentials.accessTokenHash", message: "Set by activation only (POST /api/v1/accounts/{id}/activate), never by an admin" },
    ]);
    expect(await countRows("channel_accounts")).toBe(before);
    expect(requests).toHaveLength(0);

    const account = await createCustom(admin.token, queueId);
    const stored = await sealedCreds(account.data.id);
    const patched = await call(`/api/v1/accounts/${account.data.id}`, { method: "PATCH", token: admin.token, json: { credentials: { accessTokenHash: hash } } });
    expect(patched.status).toBe(400);
    expect(patched.data.error.details[0].path).toBe("credentials.accessTokenHash");
    expect(await sealedCreds(account.data.id)).toEqual(stored);
  });

  it("refuses an outgoing URL that is not https (http only for localhost) before calling it", async () => {
    const { admin, queueId } = await seedWorld();
    const requests = endpoint();
    const res = await createCustom(admin.token, queueId, { settings: { outgoingUrl: "http://chat.partner.example/hub" } });
    expect(res.status).toBe(400);
    expect(res.data.error.details).toEqual([
      { path: "settings.outgoingUrl", message: "Plain http is allowed only for localhost, 127.0.0.1 and [::1]; use https" },
    ]);
    expect(requests).toHaveLength(0);
    const local = await createCustom(admin.token, queueId, { settings: { outgoingUrl: "http://localhost:8788/outgoing" } });
    expect(local.data.status).toBe("active");
    expect(requests[0]!.url).toBe("http://localhost:8788/outgoing");
  });

  it("POST /activate activates a pending channel; each success rotates the token (old → 401, new → 200), shown only in that answer", async () => {
    const { admin, queueId } = await seedWorld();
    let echo = false;
    endpoint((challenge) => Response.json({ challenge: echo ? challenge : "nope" }));
    const created = await createCustom(admin.token, queueId);
    expect(created.data.status).toBe("pending");
    const id: string = created.data.id;

    echo = true;
    const first = await activate(admin.token, id);
    expect(first.status).toBe(200);
    expect(first.data).toMatchObject({ id, status: "active", statusReason: null, credentialsSet: { signingSecret: true, accessTokenHash: true } });
    expect(Object.keys(first.data.revealed)).toEqual(["accessToken"]);
    const token1: string = first.data.revealed.accessToken;
    expect((await webhook(created.data.key, token1)).status).toBe(200);

    const second = await activate(admin.token, id);
    const token2: string = second.data.revealed.accessToken;
    expect(token2).not.toBe(token1);
    expect((await webhook(created.data.key, token1)).status).toBe(401);
    expect((await webhook(created.data.key, token2)).status).toBe(200);
    expect(await sealedCreds(id)).toEqual({ signingSecret: created.data.revealed.signingSecret, accessTokenHash: await sha256Hex(token2) });

    const read = await call(`/api/v1/accounts/${id}`, { token: admin.token });
    expect(read.data).not.toHaveProperty("revealed");
    expect(read.text).not.toContain(token2);
    const audit = await auditRows(id);
    expect(audit.map((r) => r.action)).toEqual(["account.create", "account.activate", "account.activate"]);
    expect(audit.map((r) => r.details).join()).not.toContain(token2);
  });

  it("a failed re-activation of an active channel makes it pending and its token stops working", async () => {
    const { admin, queueId } = await seedWorld();
    let echo = true;
    endpoint((challenge) => (echo ? Response.json({ challenge }) : new Response("gone", { status: 410 })));
    const created = await createCustom(admin.token, queueId);
    const token: string = created.data.revealed.accessToken;
    echo = false;
    const res = await activate(admin.token, created.data.id);
    expect(res.status).toBe(200);
    expect(res.data).toMatchObject({ status: "pending", statusReason: "activation failed: the outgoing webhook answered HTTP 410 to the challenge: gone" });
    expect(res.data).not.toHaveProperty("revealed");
    expect(await sealedCreds(created.data.id)).not.toHaveProperty("accessTokenHash");
    expect((await webhook(created.data.key, token)).status).toBe(403);
  });

  it("PATCH with another outgoingUrl puts the channel back to pending until it answers there; the same URL or a new secret does not", async () => {
    const { admin, queueId } = await seedWorld();
    const requests = endpoint();
    const created = await createCustom(admin.token, queueId);
    const id: string = created.data.id;
    const token: string = created.data.revealed.accessToken;
    const patch = (json: unknown) => call(`/api/v1/accounts/${id}`, { method: "PATCH", token: admin.token, json });

    const same = await patch({ name: "Renamed", settings: { outgoingUrl: OUTGOING } });
    expect(same.data).toMatchObject({ name: "Renamed", status: "active" });
    const newSecret = "rotated-secret_abcdefghijklmnopqrstuvwxyz";
    expect((await patch({ credentials: { signingSecret: newSecret } })).data.status).toBe("active");
    expect((await webhook(created.data.key, token)).status).toBe(200);

    const moved = await patch({ settings: { outgoingUrl: "https://chat-v2.partner.example/hub" } });
    expect(moved.status).toBe(200);
    expect(moved.data).toMatchObject({
      status: "pending",
      statusReason: `settings changed: the outgoing webhook must answer the challenge again (POST /api/v1/accounts/${id}/activate)`,
      settings: { outgoingUrl: "https://chat-v2.partner.example/hub" },
      credentialsSet: { signingSecret: true },
    });
    expect(await sealedCreds(id)).toEqual({ signingSecret: newSecret });
    expect((await webhook(created.data.key, token)).status).toBe(403);
    // A credentials change does not activate a pending channel.
    expect((await patch({ credentials: { signingSecret: newSecret } })).data.status).toBe("pending");
    expect(requests).toHaveLength(1);

    const again = await activate(admin.token, id);
    expect(again.data.status).toBe("active");
    expect(requests.at(-1)!.url).toBe("https://chat-v2.partner.example/hub");
    const { init } = requests.at(-1)!;
    expect(await receiverVerifies(new Headers(init.headers), String(init.body), newSecret)).toBe(true);
    expect((await webhook(created.data.key, again.data.revealed.accessToken)).status).toBe(200);
  });

  it("409 when the account changes while its activation waits for the endpoint; the change stands", async () => {
    const { admin, queueId } = await seedWorld();
    endpoint();
    const created = await createCustom(admin.token, queueId);
    const elsewhere = "https://elsewhere.partner.example/hub";
    // While the endpoint is answering, someone else moves the account to another URL (as a PATCH would).
    endpoint(async (challenge) => {
      await env.DB.prepare("UPDATE channel_accounts SET settings = ?2, status = 'pending', updated_at = updated_at + 1 WHERE id = ?1")
        .bind(created.data.id, JSON.stringify({ outgoingUrl: elsewhere }))
        .run();
      return Response.json({ challenge });
    });
    const res = await activate(admin.token, created.data.id);
    expect(res.status).toBe(409);
    expect(res.data.error.message).toBe("The account changed while this request ran; try again");
    expect(res.text).not.toContain("revealed");
    const read = await call(`/api/v1/accounts/${created.data.id}`, { token: admin.token });
    expect(read.data).toMatchObject({ status: "pending", settings: { outgoingUrl: elsewhere } });
    expect((await auditRows(created.data.id)).map((r) => r.action)).toEqual(["account.create"]);
  });

  it("POST /activate: 400 for a provider without activation, 404 for an unknown account, 403 for a supervisor", async () => {
    const { admin, supervisor, queueId } = await seedWorld();
    const fetch = vi.fn();
    vi.stubGlobal("fetch", fetch);
    const telegram = await seedAccount(queueId);
    const res = await activate(admin.token, telegram.id);
    expect(res.status).toBe(400);
    expect(res.data.error.message).toBe("A telegram account has no activation step");
    expect((await activate(admin.token, crypto.randomUUID())).status).toBe(404);
    expect((await activate(supervisor.token, telegram.id)).status).toBe(403);
    expect(fetch).not.toHaveBeenCalled();
  });

  it("the OpenAPI document declares the activation route and the custom channel's schemas", async () => {
    const doc = (await call("/api/openapi.json")).data;
    const op = doc.paths["/api/v1/accounts/{id}/activate"].post;
    expect(op["x-required-roles"]).toEqual(["admin"]);
    expect(Object.keys(op.responses)).toEqual(expect.arrayContaining(["200", "400", "401", "403", "404", "409"]));
    expect(op.responses["200"].content["application/json"].schema.$ref).toBe("#/components/schemas/AccountWithRevealed");
    expect(doc.paths["/api/v1/accounts"].post.responses["201"].content["application/json"].schema.$ref).toBe("#/components/schemas/AccountWithRevealed");
    expect(JSON.stringify(doc.components.schemas.AccountWithRevealed)).toContain('"revealed"');
    expect(doc.components.schemas.CustomSettings.properties.outgoingUrl).toBeDefined();
    expect(Object.keys(doc.components.schemas.CustomCredentials.properties)).toEqual(["signingSecret"]);
  });
});

describe("secrets the hub generates", () => {
  it("shows a generated webhook secret once, in the create answer, and never again", async () => {
    const { admin, queueId } = await seedWorld();
    const res = await call("/api/v1/accounts", {
      method: "POST",
      token: admin.token,
      json: {
        provider: "sinch",
        name: "WhatsApp (Sinch)",
        queueId,
        settings: { projectId: "proj-1", appId: "app-1", region: "eu" },
        credentials: { keyId: "key-id", keySecret: "key-secret" },
      },
    });
    expect(res.status).toBe(201);
    const secret = res.data.revealed.webhookSecret as string;
    expect(secret.length).toBeGreaterThanOrEqual(16);
    expect(Object.keys(res.data.revealed)).toEqual(["webhookSecret"]);
    const stored = await env.DB.prepare("SELECT credentials FROM channel_accounts WHERE id = ?1").bind(res.data.id).first<{ credentials: string }>();
    expect(JSON.parse(await unseal(env.SECRETS_KEY, stored!.credentials)).webhookSecret).toBe(secret);
    const read = await call(`/api/v1/accounts/${res.data.id}`, { token: admin.token });
    expect(read.data.revealed).toBeUndefined();
    expect(read.text).not.toContain(secret);
  });

  it("reveals nothing the admin supplied", async () => {
    const { admin, queueId } = await seedWorld();
    const res = await call("/api/v1/accounts", {
      method: "POST",
      token: admin.token,
      json: {
        provider: "meta",
        name: "Instagram",
        queueId,
        settings: { igAccountId: "17841400000000000" },
        credentials: { appSecrets: ["app-secret-1"], accessToken: "IGAAT-token", verifyToken: "my-own-verify-token" },
      },
    });
    expect(res.status).toBe(201);
    expect(res.data.revealed).toBeUndefined();
    expect(res.text).not.toContain("my-own-verify-token");
  });
});
