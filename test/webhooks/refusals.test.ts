import { createExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { createApp } from "../../src/app";
import { forgetReceivingAccount } from "../../src/routes/webhooks/receiving-accounts";
import { call, seedUser } from "../helpers/api";
import { BASE, count, createQueue, createTelegramAccount, row, SECRET_TOKEN, telegramUpdate } from "../helpers/hub";

const app = createApp();

/** env.DB as the hub sees it, counting every statement it prepares. */
function countingDb() {
  const statements: string[] = [];
  const DB = new Proxy(env.DB, {
    get(target, prop) {
      if (prop === "prepare") return (sql: string) => (statements.push(sql), target.prepare(sql));
      const value = Reflect.get(target, prop);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
  const writes = () => statements.filter((s) => /^\s*(INSERT|UPDATE|DELETE)/i.test(s));
  return { DB, statements, writes };
}

type Post = { secret?: string | null; source?: string; db?: D1Database };

/** A Telegram webhook as the hub receives it behind Cloudflare: `source` is CF-Connecting-IP. */
async function post(key: string, update: unknown, o: Post = {}) {
  const headers: Record<string, string> = { "Content-Type": "application/json" };
  const secret = o.secret === undefined ? SECRET_TOKEN : o.secret;
  if (secret !== null) headers["X-Telegram-Bot-Api-Secret-Token"] = secret;
  if (o.source) headers["CF-Connecting-IP"] = o.source;
  const request = new Request(`${BASE}/webhooks/telegram/${key}`, { method: "POST", headers, body: JSON.stringify(update) });
  return app.fetch(request, o.db ? { ...env, DB: o.db } : env, createExecutionContext());
}

/** An address no other test uses (the limiter's counts outlive a test). */
const newSource = () => `2001:db8:${crypto.randomUUID().slice(0, 4)}:${crypto.randomUUID().slice(0, 4)}::1`;

const forged = (i: number) => telegramUpdate({ updateId: 900000 + i, userId: 6660001, messageId: i, text: `Sahte mesaj ${i} 🕵️` });

/** A new Telegram account on a new queue, unknown to this isolate's cache as the accounts API leaves one it creates. */
async function freshAccount() {
  const account = await createTelegramAccount(await createQueue());
  forgetReceivingAccount(account.key);
  return account;
}

describe("refused webhooks cost no D1 write", () => {
  let account: { id: string; key: string };
  beforeEach(async () => {
    account = await freshAccount();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("records the first refusal of the minute on the account; the next ones read and write nothing, and are counted", async () => {
    const first = await post(account.key, forged(1), { secret: "wrong-secret" });
    expect(first.status).toBe(401);
    const recorded = await row("SELECT last_auth_failure, last_auth_failure_at, auth_failure_count FROM channel_accounts WHERE id = ?1", account.id);
    expect(recorded).toMatchObject({ last_auth_failure: "secret token mismatch", auth_failure_count: 1 });

    const db = countingDb();
    for (let i = 2; i <= 20; i++) {
      const res = await post(account.key, forged(i), { secret: i % 2 ? "wrong-secret" : null, db: db.DB });
      expect(res.status).toBe(401);
      expect(await res.json()).toEqual({ error: { code: "unauthorized", message: "Webhook authentication failed" } });
    }
    expect(db.statements).toEqual([]);
    expect(await row("SELECT last_auth_failure, last_auth_failure_at, auth_failure_count FROM channel_accounts WHERE id = ?1", account.id)).toEqual(recorded);
    expect(await count("messages", "account_id = ?1", account.id)).toBe(0);
    expect(await count("contacts", "account_id = ?1", account.id)).toBe(0);

    // A minute later the next refusal is written, with the 19 counted since.
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(Date.now() + 61_000);
    expect((await post(account.key, forged(21), { secret: null })).status).toBe(401);
    const later = await row("SELECT last_auth_failure, last_auth_failure_at, auth_failure_count FROM channel_accounts WHERE id = ?1", account.id);
    expect(later).toMatchObject({ last_auth_failure: "missing X-Telegram-Bot-Api-Secret-Token", auth_failure_count: 21 });
    expect(later.last_auth_failure_at).toBeGreaterThan(recorded.last_auth_failure_at);

    const admin = await seedUser("admin");
    const read = await call(`/api/v1/accounts/${account.id}`, { token: admin.token });
    expect(read.data).toMatchObject({ lastAuthFailure: "missing X-Telegram-Bot-Api-Secret-Token", authFailureCount: 21, lastAuthFailureAt: later.last_auth_failure_at });
  });

  it("answers an unknown key from memory for a while: no D1 read, and a key created meanwhile elsewhere shows after the TTL", async () => {
    const key = `unknown-${crypto.randomUUID().slice(0, 8)}`;
    expect((await post(key, forged(30))).status).toBe(404);

    // Another isolate creates the account under that key; this one still knows the key as unknown.
    await env.DB.prepare("UPDATE channel_accounts SET key = ?2 WHERE id = ?1").bind(account.id, key).run();
    const db = countingDb();
    for (let i = 31; i <= 40; i++) {
      const res = await post(key, forged(i), { db: db.DB });
      expect(res.status).toBe(404);
      expect(await res.json()).toEqual({ error: { code: "not_found", message: "No such receive URL" } });
    }
    expect(db.statements).toEqual([]);

    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(Date.now() + 11_000);
    const res = await post(key, telegramUpdate({ updateId: 41, userId: 6660041, messageId: 1, text: "Artık buradayım 👋" }));
    expect(res.status).toBe(200);
    expect(await count("messages", "account_id = ?1", account.id)).toBe(1);
  });

  it("a flood of made-up keys from a new address each reads no account from D1, and the keys stay unknown", async () => {
    expect((await post(`warm-${crypto.randomUUID().slice(0, 8)}`, forged(80), { source: newSource() })).status).toBe(404);
    const db = countingDb();
    for (let i = 0; i < 60; i++) {
      const res = await post(`made-up-${i}-${crypto.randomUUID().slice(0, 8)}`, forged(81 + i), { source: newSource(), db: db.DB });
      expect(res.status).toBe(404);
    }
    // At most ten individual lookups a second, and the set of keys re-read at most every 2 s.
    const lookups = db.statements.filter((s) => s.includes("WHERE a.key = ?1")).length;
    const keySets = db.statements.filter((s) => s === "SELECT key FROM channel_accounts").length;
    expect(lookups).toBeLessThanOrEqual(30);
    expect(keySets).toBeLessThanOrEqual(3);
    expect(db.writes()).toEqual([]);
  });

  it("an authentic webhook is checked against the account as D1 has it: a deleted account is 404 at once", async () => {
    expect((await post(account.key, forged(50), { secret: "wrong-secret" })).status).toBe(401); // the account is now cached
    await env.DB.prepare("DELETE FROM channel_accounts WHERE id = ?1").bind(account.id).run();
    const res = await post(account.key, telegramUpdate({ updateId: 51, userId: 6660051, messageId: 1 }));
    expect(res.status).toBe(404);
    expect(await count("messages", "account_id = ?1", account.id)).toBe(0);
  });

  it("takes a new secret token at once when it is changed through the API in this instance, and refuses the old one", async () => {
    const admin = await seedUser("admin");
    expect((await post(account.key, forged(60), { secret: "wrong-secret" })).status).toBe(401); // cached with the old secret
    const patched = await call(`/api/v1/accounts/${account.id}`, { method: "PATCH", token: admin.token, json: { credentials: { secretToken: "yeni-Gizli_token-2026" } } });
    expect(patched.status).toBe(200);

    expect((await post(account.key, telegramUpdate({ updateId: 61, userId: 6660061, messageId: 1 }), { secret: "yeni-Gizli_token-2026" })).status).toBe(200);
    expect((await post(account.key, telegramUpdate({ updateId: 62, userId: 6660061, messageId: 2 }), { secret: SECRET_TOKEN })).status).toBe(401);
    expect(await count("messages", "account_id = ?1", account.id)).toBe(1);
  });

  it("takes a secret changed by another instance within the TTL", async () => {
    expect((await post(account.key, forged(70), { secret: "wrong-secret" })).status).toBe(401); // cached with the old secret
    const { seal } = await import("../../src/security/crypto");
    const sealed = await seal(env.SECRETS_KEY, JSON.stringify({ botToken: "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw", secretToken: "baska-Isolate_token" }));
    await env.DB.prepare("UPDATE channel_accounts SET credentials = ?2 WHERE id = ?1").bind(account.id, sealed).run();

    const update = telegramUpdate({ updateId: 71, userId: 6660071, messageId: 1, text: "Şifre değişti mi? 🔑" });
    expect((await post(account.key, update, { secret: "baska-Isolate_token" })).status).toBe(401);
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(Date.now() + 11_000);
    expect((await post(account.key, update, { secret: "baska-Isolate_token" })).status).toBe(200);
    expect(await count("messages", "account_id = ?1", account.id)).toBe(1);
  });
});

describe("refused webhooks past the rate limits (Workers Rate Limiting binding)", () => {
  let account: { id: string; key: string };
  beforeEach(async () => {
    account = await freshAccount();
  });

  /** Posts until the first 429 (at most `max`); the statuses in order. */
  async function flood(max: number, send: (i: number) => Promise<Response>) {
    const statuses: number[] = [];
    for (let i = 0; i < max; i++) {
      const res = await send(i);
      statuses.push(res.status);
      if (res.status === 429) {
        expect(res.headers.get("Retry-After")).toBe("60");
        expect(await res.json()).toEqual({ error: { code: "rate_limited", message: "Too many refused webhooks; try again later" } });
        break;
      }
    }
    return statuses;
  }

  it("429 with Retry-After for a source past 30 refusals a minute, while a provider elsewhere is still served", async () => {
    const attacker = newSource();
    // Unknown keys and bad secrets both count; a window boundary may reset the count once.
    const statuses = await flood(61, (i) => (i % 2 ? post(`nope-${i}-${crypto.randomUUID().slice(0, 6)}`, forged(i), { source: attacker }) : post(account.key, forged(i), { secret: "wrong-secret", source: attacker })));
    expect(statuses.at(-1)).toBe(429);
    expect(statuses.length).toBeGreaterThan(30);
    expect(statuses.slice(0, 30).every((s) => s === 401 || s === 404)).toBe(true);

    // The source stays refused without a D1 read, even for keys this instance has not seen.
    const db = countingDb();
    expect((await post(`nope-after-${crypto.randomUUID().slice(0, 6)}`, forged(99), { source: attacker, db: db.DB })).status).toBe(429);
    expect((await post(account.key, forged(100), { secret: "wrong-secret", source: attacker, db: db.DB })).status).toBe(429);
    expect(db.writes()).toEqual([]);

    const provider = newSource();
    const legit = await post(account.key, telegramUpdate({ updateId: 101, userId: 6660101, messageId: 1, text: "Siparişim nerede? 📦" }), { source: provider });
    expect(legit.status).toBe(200);
    // Only refusals are limited: an authentic webhook from the flooding address itself is stored too.
    const same = await post(account.key, telegramUpdate({ updateId: 102, userId: 6660101, messageId: 2, text: "Hâlâ bekliyorum ⏳" }), { source: attacker });
    expect(same.status).toBe(200);
    expect(await count("messages", "account_id = ?1", account.id)).toBe(2);
  });

  it("429 for an account past 60 refusals a minute from many sources, while its provider's authentic webhooks go through", async () => {
    const sources = Array.from({ length: 8 }, newSource);
    const statuses = await flood(121, (i) => post(account.key, forged(i), { secret: `wrong-${i}`, source: sources[i % sources.length] }));
    expect(statuses.at(-1)).toBe(429);
    expect(statuses.length).toBeGreaterThan(60);
    expect(statuses.slice(0, 60).every((s) => s === 401)).toBe(true);

    const legit = await post(account.key, telegramUpdate({ updateId: 201, userId: 6660201, messageId: 1, text: "Merhaba 👋" }), { source: newSource() });
    expect(legit.status).toBe(200);
    expect(await count("messages", "account_id = ?1", account.id)).toBe(1);
  });
});
