import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { createApp } from "../../src/app";
import { forgetReceivingAccount } from "../../src/routes/webhooks/receiving-accounts";
import { seal } from "../../src/security/crypto";
import { createMetaAccount, customerEvent, customerMessage, newIgsid, newMid, notification, signatureOf } from "../providers/meta/helpers";
import { creds as sinchCreds, settings as sinchSettings, signedHeaders } from "../providers/sinch/helpers";
import { ACCOUNT_SID, formBody, settings as twilioSettings, sign, creds as twilioCreds } from "../providers/twilio/helpers";
import sinchDelivered from "../fixtures/sinch/delivery-delivered.json";
import sinchText from "../fixtures/sinch/inbound-text.json";
import { BASE, BOT_TOKEN, count, createAccount, createQueue, createTelegramAccount, createUser, row, SECRET_TOKEN, setConversation, telegramUpdate } from "../helpers/hub";
import { meteredDb } from "../helpers/d1-trips";

const app = createApp();

/**
 * env.DB as the hub sees it, counting D1 round trips: each batch, exec, and each statement run on
 * its own (first, run, all, raw). `sql` lists every statement prepared, in order.
 */

/** Sends `request` to the hub with `db` as its D1 binding, and waits for what it does after answering. */
async function send(request: Request, db: D1Database = env.DB) {
  const exec = createExecutionContext();
  const res = await app.fetch(request, { ...env, DB: db }, exec);
  await waitOnExecutionContext(exec);
  return res;
}

function telegram(key: string, update: unknown, secret = SECRET_TOKEN) {
  return new Request(`${BASE}/webhooks/telegram/${key}`, {
    method: "POST",
    headers: { "Content-Type": "application/json", "X-Telegram-Bot-Api-Secret-Token": secret },
    body: JSON.stringify(update),
  });
}

let seq = 0;
const nextUser = () => 7_100_000 + ++seq * 10;

describe("an authentic webhook costs one D1 round trip", () => {
  let queueId: string;
  let account: { id: string; key: string };
  let userId: number;
  beforeEach(async () => {
    queueId = await createQueue();
    account = await createTelegramAccount(queueId);
    userId = nextUser();
    // The account is now in this isolate's memory, and the contact exists.
    expect((await send(telegram(account.key, telegramUpdate({ updateId: userId, userId, messageId: 1, text: "Merhaba" })))).status).toBe(200);
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("a customer's message on an open ticket: the ingest batch, and nothing else", async () => {
    const db = meteredDb();
    const res = await send(telegram(account.key, telegramUpdate({ updateId: userId + 1, userId, messageId: 2, text: "Siparişim nerede? 📦" })), db.DB);
    expect(res.status).toBe(200);
    expect(db.trips).toEqual([expect.stringMatching(/^batch of/)]);
    expect(await count("messages", "account_id = ?1", account.id)).toBe(2);
  });

  it("a new contact's first message", async () => {
    const db = meteredDb();
    const other = nextUser();
    const res = await send(telegram(account.key, telegramUpdate({ updateId: other, userId: other, messageId: 1, text: "İlk mesajım 👋" })), db.DB);
    expect(res.status).toBe(200);
    expect(db.trips).toHaveLength(1);
    expect(await count("contacts", "account_id = ?1", account.id)).toBe(2);
    expect(await count("tickets", "account_id = ?1", account.id)).toBe(2);
  });

  it("the provider's retry of an update: one round trip, nothing new written", async () => {
    const update = telegramUpdate({ updateId: userId + 2, userId, messageId: 3, text: "Tekrar" });
    expect((await send(telegram(account.key, update))).status).toBe(200);
    const before = await row("SELECT (SELECT count(*) FROM messages WHERE account_id = ?1) AS messages, (SELECT count(*) FROM inbound_events WHERE account_id = ?1) AS receipts", account.id);
    const db = meteredDb();
    expect((await send(telegram(account.key, update), db.DB)).status).toBe(200);
    expect(db.trips).toHaveLength(1);
    expect(await row("SELECT (SELECT count(*) FROM messages WHERE account_id = ?1) AS messages, (SELECT count(*) FROM inbound_events WHERE account_id = ?1) AS receipts", account.id)).toEqual(before);
  });

  it("writes last_webhook_at with the batch at most once a minute", async () => {
    const first = (await row("SELECT last_webhook_at FROM channel_accounts WHERE id = ?1", account.id)).last_webhook_at;
    expect(first).toBeGreaterThan(0);
    const db = meteredDb();
    expect((await send(telegram(account.key, telegramUpdate({ updateId: userId + 3, userId, messageId: 4 })), db.DB)).status).toBe(200);
    expect(db.sql.filter((s) => s.includes("last_webhook_at"))).toEqual([]);
    expect((await row("SELECT last_webhook_at FROM channel_accounts WHERE id = ?1", account.id)).last_webhook_at).toBe(first);

    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(first + 61_000);
    const later = meteredDb();
    expect((await send(telegram(account.key, telegramUpdate({ updateId: userId + 4, userId, messageId: 5 })), later.DB)).status).toBe(200);
    expect(later.trips).toHaveLength(1);
    expect((await row("SELECT last_webhook_at FROM channel_accounts WHERE id = ?1", account.id)).last_webhook_at).toBe(first + 61_000);
  });

  it("notices a secret rotated by another instance on the next webhook: the old secret is refused, the new one taken", async () => {
    const sealed = await seal(env.SECRETS_KEY, JSON.stringify({ botToken: BOT_TOKEN, secretToken: "baska-Isolate_token-2" }));
    await env.DB.prepare("UPDATE channel_accounts SET credentials = ?2 WHERE id = ?1").bind(account.id, sealed).run();

    const old = await send(telegram(account.key, telegramUpdate({ updateId: userId + 5, userId, messageId: 6, text: "Eski şifre" })));
    expect(old.status).toBe(401);
    expect(await count("messages", "account_id = ?1 AND provider_message_id = ?2", account.id, `${userId}:6`)).toBe(0);

    const db = meteredDb();
    const fresh = await send(telegram(account.key, telegramUpdate({ updateId: userId + 6, userId, messageId: 7, text: "Yeni şifre" }), "baska-Isolate_token-2"), db.DB);
    expect(fresh.status).toBe(200);
    expect(db.trips).toHaveLength(1);
    expect(await count("messages", "account_id = ?1 AND provider_message_id = ?2", account.id, `${userId}:7`)).toBe(1);
  });

  it("notices an account disabled by another instance: nothing stored, and the account read once more", async () => {
    await env.DB.prepare("UPDATE channel_accounts SET status = 'pending' WHERE id = ?1").bind(account.id).run();
    const db = meteredDb();
    const res = await send(telegram(account.key, telegramUpdate({ updateId: userId + 7, userId, messageId: 8 })), db.DB);
    expect(res.status).toBe(403);
    expect(db.trips).toEqual([expect.stringMatching(/^batch of/), expect.stringMatching(/WHERE a.key = \?1/)]);
    expect(await count("messages", "account_id = ?1", account.id)).toBe(1);
    expect(await count("inbound_events", "account_id = ?1", account.id)).toBe(1);
  });

  it("notices a change of the queue's routing made by another instance", async () => {
    await env.DB.prepare("UPDATE queues SET routing = json_set(routing, '$.strategy', 'random') WHERE id = ?1").bind(queueId).run();
    const db = meteredDb();
    expect((await send(telegram(account.key, telegramUpdate({ updateId: userId + 8, userId, messageId: 9 })), db.DB)).status).toBe(200);
    // The batch found the account at another version, wrote nothing; the account was read and the batch run again.
    expect(db.trips).toEqual([expect.stringMatching(/^batch of/), expect.stringMatching(/WHERE a.key = \?1/), expect.stringMatching(/^batch of/)]);
    expect(await count("messages", "account_id = ?1", account.id)).toBe(2);
  });

  it("greetings: a new contact's welcome and new-conversation message are stored in one more round trip", async () => {
    await setConversation(account.id, { messages: { welcome: "Hoş geldiniz {{contact.firstName}}!", newConversation: "Talebiniz #{{ticket.id}} açıldı." } });
    expect((await send(telegram(account.key, telegramUpdate({ updateId: userId + 9, userId, messageId: 10 })))).status).toBe(200); // the account read anew
    const db = meteredDb();
    const other = nextUser();
    expect((await send(telegram(account.key, telegramUpdate({ updateId: other, userId: other, messageId: 1, firstName: "Ayşe" })), db.DB)).status).toBe(200);
    expect(db.trips).toHaveLength(2);
    const ticket = await row("SELECT id FROM tickets WHERE contact_id = (SELECT id FROM contacts WHERE account_id = ?1 AND external_id = ?2)", account.id, String(other));
    const { results } = await env.DB.prepare("SELECT body FROM messages WHERE ticket_id = ?1 AND direction = 'system' ORDER BY id").bind(ticket.id).all<{ body: string }>();
    expect(results.map((r) => r.body)).toEqual(["Hoş geldiniz Ayşe!", `Talebiniz #${ticket.id} açıldı.`]);
  });
});

describe("the account in the isolate's memory", () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it("stays good for storing past the TTL: an authentic webhook still costs the one batch", async () => {
    const account = await createTelegramAccount(await createQueue());
    const user = nextUser();
    expect((await send(telegram(account.key, telegramUpdate({ updateId: user, userId: user, messageId: 1 })))).status).toBe(200);
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(Date.now() + 11_000);
    const db = meteredDb();
    expect((await send(telegram(account.key, telegramUpdate({ updateId: user + 1, userId: user, messageId: 2 })), db.DB)).status).toBe(200);
    expect(db.trips).toEqual([expect.stringMatching(/^batch of/)]);
  });

  it("a channel not activated is read anew past the TTL: activated meanwhile elsewhere, it receives", async () => {
    const account = await createTelegramAccount(await createQueue());
    await env.DB.prepare("UPDATE channel_accounts SET status = 'pending' WHERE id = ?1").bind(account.id).run();
    forgetReceivingAccount(account.key);
    const user = nextUser();
    const update = telegramUpdate({ updateId: user, userId: user, messageId: 1 });
    expect((await send(telegram(account.key, update))).status).toBe(403);
    await env.DB.prepare("UPDATE channel_accounts SET status = 'active' WHERE id = ?1").bind(account.id).run();
    expect((await send(telegram(account.key, update))).status).toBe(403);
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(Date.now() + 11_000);
    expect((await send(telegram(account.key, update))).status).toBe(200);
    expect(await count("messages", "account_id = ?1", account.id)).toBe(1);
  });
});

describe("a receive URL shared by several accounts (Meta)", () => {
  it("an entry for another Instagram account of the app: that account from memory too, one round trip", async () => {
    const a = await createMetaAccount(await createQueue());
    const igB = String(17841400009000000 + Math.floor(Math.random() * 400000));
    const b = await createMetaAccount(await createQueue(), { settings: { igAccountId: igB } });
    const post = async (body: unknown, db?: D1Database) => {
      const raw = JSON.stringify(body);
      const headers = { "Content-Type": "application/json", "X-Hub-Signature-256": await signatureOf(raw) };
      return send(new Request(`${BASE}/webhooks/meta/${a.key}`, { method: "POST", headers, body: raw }), db);
    };
    const toB = (text: string) => ({ object: "instagram", entry: [{ id: igB, time: Date.now(), messaging: [{ ...customerMessage(igsid, newMid(), text), recipient: { id: igB } }] }] });
    const igsid = newIgsid();
    expect((await post(toB("Hallo"))).status).toBe(200);
    const db = meteredDb();
    expect((await post(toB("Noch da?"), db.DB)).status).toBe(200);
    expect(db.trips).toHaveLength(1);
    expect(await count("messages", "account_id = ?1", b.id)).toBe(2);
  });
});

describe("an account's version", () => {
  it("moves when what a webhook reads of the account or its queue changes, and only then", async () => {
    const queueId = await createQueue();
    const account = await createTelegramAccount(queueId);
    const version = async () => (await row("SELECT version FROM channel_accounts WHERE id = ?1", account.id)).version as number;
    const write = (sql: string, ...binds: unknown[]) => env.DB.prepare(sql).bind(...binds).run();
    expect(await version()).toBe(0);

    await write("UPDATE channel_accounts SET last_webhook_at = 1, last_auth_failure = 'x', auth_failure_count = 3, last_delivery_error = 'y' WHERE id = ?1", account.id);
    await write("UPDATE queues SET name = name || ' (renamed)' WHERE id = ?1", queueId);
    expect(await version()).toBe(0);

    await write("UPDATE channel_accounts SET status = 'error', status_reason = 'credentials rejected' WHERE id = ?1", account.id);
    await write("UPDATE channel_accounts SET status = 'error', status_reason = 'credentials rejected again' WHERE id = ?1", account.id);
    expect(await version()).toBe(1);
    await write("UPDATE channel_accounts SET settings = json_set(settings, '$.apiBaseUrl', 'https://elsewhere.test') WHERE id = ?1", account.id);
    expect(await version()).toBe(2);
    await write("UPDATE queues SET routing = routing WHERE id = ?1", queueId);
    expect(await version()).toBe(2);
    await write("UPDATE queues SET routing = json_set(routing, '$.strategy', 'random') WHERE id = ?1", queueId);
    expect(await version()).toBe(3);
  });
});

describe("a delivery report costs at most two D1 round trips", () => {
  it("a Twilio status callback for a reply the hub sent", async () => {
    const queueId = await createQueue();
    const account = await createAccount({ provider: "twilio", queueId, credentials: twilioCreds, settings: twilioSettings });
    const agent = await createUser({ queues: [queueId] });
    const contact = await row("INSERT INTO contacts (account_id, external_id, address, display_name) VALUES (?1, 'whatsapp:+905321234567', 'whatsapp:+905321234567', 'Zeynep') RETURNING id", account.id);
    const ticket = await row("INSERT INTO tickets (account_id, contact_id, queue_id, status, current, assignee_id) VALUES (?1, ?2, ?3, 'assigned', 1, ?4) RETURNING id", account.id, contact.id, queueId, agent.id);
    const sid = `SM${crypto.randomUUID().replaceAll("-", "")}`;
    const reply = await row(
      "INSERT INTO messages (account_id, ticket_id, direction, author_id, body, provider_message_id, status) VALUES (?1, ?2, 'out', ?3, 'Siparişiniz yolda 🚚', ?4, 'sent') RETURNING id",
      account.id, ticket.id, agent.id, sid,
    );
    const post = async (status: string, db?: D1Database) => {
      const params = { MessageSid: sid, MessageStatus: status, AccountSid: ACCOUNT_SID, ApiVersion: "2010-04-01", To: "whatsapp:+905321234567", From: twilioSettings.from };
      const url = `${BASE}/webhooks/twilio/${account.key}`;
      const headers = { "Content-Type": "application/x-www-form-urlencoded", "X-Twilio-Signature": await sign(url, params) };
      return send(new Request(url, { method: "POST", headers, body: formBody(params) }), db);
    };

    // The first request reads the account into this isolate's memory; the next one does not.
    expect((await post("sent")).status).toBe(200);
    const db = meteredDb();
    expect((await post("delivered", db.DB)).status).toBe(200);
    expect(db.trips).toEqual([expect.stringMatching(/^batch of/)]);
    expect((await row("SELECT status FROM messages WHERE id = ?1", reply.id)).status).toBe("delivered");

    const retry = meteredDb();
    expect((await post("delivered", retry.DB)).status).toBe(200);
    expect(retry.trips).toHaveLength(1);
  });

  it("a Sinch delivery report: its nonce claimed in the batch", async () => {
    const account = await createAccount({ provider: "sinch", queueId: await createQueue(), credentials: { ...sinchCreds }, settings: { ...sinchSettings } });
    const post = async (body: unknown, db?: D1Database) => {
      const raw = JSON.stringify(body);
      return send(new Request(`${BASE}/webhooks/sinch/${account.key}`, { method: "POST", headers: await signedHeaders(raw), body: raw }), db);
    };
    expect((await post(sinchText)).status).toBe(200);
    const ticket = await row("SELECT id FROM tickets WHERE account_id = ?1", account.id);
    const reply = await row(
      "INSERT INTO messages (account_id, ticket_id, direction, body, provider_message_id, status) VALUES (?1, ?2, 'out', 'Yarın teslim 🚚', ?3, 'sent') RETURNING id",
      account.id, ticket.id, sinchDelivered.message_delivery_report.message_id,
    );
    const db = meteredDb();
    expect((await post(sinchDelivered, db.DB)).status).toBe(200);
    expect(db.trips).toEqual([expect.stringMatching(/^batch of/)]);
    expect((await row("SELECT status FROM messages WHERE id = ?1", reply.id)).status).toBe("delivered");
    expect(await count("webhook_replays", "account_id = ?1", account.id)).toBe(2);

    // A customer's message is one round trip too.
    const message = meteredDb();
    expect((await post({ ...sinchText, message: { ...sinchText.message, id: "01HQ80ROUNDTRIPMESSAGE0001" } }, message.DB)).status).toBe(200);
    expect(message.trips).toHaveLength(1);
    expect(await count("messages", "account_id = ?1 AND direction = 'in'", account.id)).toBe(2);
  });

  it("a Meta read receipt, which marks every earlier reply to the customer read too", async () => {
    const account = await createMetaAccount(await createQueue());
    const post = async (body: unknown, db?: D1Database) => {
      const raw = JSON.stringify(body);
      const headers = { "Content-Type": "application/json", "X-Hub-Signature-256": await signatureOf(raw) };
      return send(new Request(`${BASE}/webhooks/meta/${account.key}`, { method: "POST", headers, body: raw }), db);
    };
    const igsid = newIgsid();
    expect((await post(notification([customerMessage(igsid, newMid(), "Merhaba")]))).status).toBe(200);
    const ticket = await row("SELECT id FROM tickets WHERE account_id = ?1", account.id);
    const mids = [newMid(), newMid()];
    for (const mid of mids) {
      await env.DB.prepare("INSERT INTO messages (account_id, ticket_id, direction, body, provider_message_id, status) VALUES (?1, ?2, 'out', 'Yanıt', ?3, 'sent')")
        .bind(account.id, ticket.id, mid)
        .run();
    }
    const db = meteredDb();
    expect((await post(notification([customerEvent(igsid, { read: { mid: mids[1] } })]), db.DB)).status).toBe(200);
    expect(db.trips).toHaveLength(1);
    expect(await count("messages", "account_id = ?1 AND direction = 'out' AND status = 'read'", account.id)).toBe(2);

    // Several in one POST: the lookup of those received before, and one batch for all of them.
    const more = [newMid(), newMid(), newMid()];
    for (const mid of more) {
      await env.DB.prepare("INSERT INTO messages (account_id, ticket_id, direction, body, provider_message_id, status) VALUES (?1, ?2, 'out', 'Yanıt', ?3, 'sent')")
        .bind(account.id, ticket.id, mid)
        .run();
    }
    const several = meteredDb();
    const reads = notification(more.map((mid) => customerEvent(igsid, { read: { mid } })));
    expect((await post(reads, several.DB)).status).toBe(200);
    expect(several.trips).toHaveLength(2);
    expect(await count("messages", "account_id = ?1 AND direction = 'out' AND status = 'read'", account.id)).toBe(5);
    expect(await count("inbound_events", "account_id = ?1 AND event_key LIKE 'status:%'", account.id)).toBe(4);
  });
});
