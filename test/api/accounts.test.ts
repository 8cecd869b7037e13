import { createExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { createApp } from "../../src/app";
import { unseal } from "../../src/security/crypto";
import { auditRows, BASE, BOT_TOKEN, call, countRows, seedAccount, seedTicket, seedWorld, unique } from "../helpers/api";

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

  it("rejects providers not supported yet, bad credentials and unknown queues, storing nothing", async () => {
    const { admin, queueId } = await seedWorld();
    const before = await countRows("channel_accounts");
    const meta = await createAccount(admin.token, queueId, { provider: "meta" });
    expect(meta.status).toBe(400);
    expect(meta.data.error.message).toBe("provider not supported yet");

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

  it("404 for an unknown account", async () => {
    const { admin } = await seedWorld();
    const res = await call(`/api/v1/accounts/${crypto.randomUUID()}/telegram/webhook`, { method: "POST", token: admin.token });
    expect(res.status).toBe(404);
  });
});
