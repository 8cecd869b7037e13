import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { createApp } from "../../src/app";
import { call, seedUser, unique } from "../helpers/api";
import { BASE, createQueue, createTelegramAccount, row, SECRET_TOKEN, telegramUpdate } from "../helpers/hub";
import { createMetaAccount, customerMessage, newIgsid, newMid, notification, signatureOf } from "../providers/meta/helpers";
import { meteredDb } from "../helpers/d1-trips";

// A welcome message that names a library template: the customer gets the template's text, and
// after the template changes, the next new customer gets the new text, at the same D1 round trips
// per webhook as an inline welcome.

const app = createApp();


async function send(request: Request, db: D1Database = env.DB) {
  const exec = createExecutionContext();
  const res = await app.fetch(request, { ...env, DB: db }, exec);
  await waitOnExecutionContext(exec);
  return res;
}

const telegram = (key: string, update: unknown) =>
  new Request(`${BASE}/webhooks/telegram/${key}`, {
    method: "POST",
    headers: { "Content-Type": "application/json", "X-Telegram-Bot-Api-Secret-Token": SECRET_TOKEN },
    body: JSON.stringify(update),
  });

/** A notification signed as Meta signs it, over these exact bytes. */
async function meta(key: string, body: unknown) {
  const raw = JSON.stringify(body);
  return new Request(`${BASE}/webhooks/meta/${key}`, {
    method: "POST",
    headers: { "Content-Type": "application/json", "X-Hub-Signature-256": await signatureOf(raw) },
    body: raw,
  });
}

async function systemMessagesOfContact(accountId: string, externalId: string) {
  const { results } = await env.DB.prepare(
    `SELECT m.body FROM messages m JOIN tickets t ON t.id = m.ticket_id JOIN contacts c ON c.id = t.contact_id
     WHERE c.account_id = ?1 AND c.external_id = ?2 AND m.direction = 'system' ORDER BY m.id`,
  )
    .bind(accountId, externalId)
    .all<{ body: string }>();
  return results.map((r) => r.body);
}

let seq = 0;
const nextUser = () => 7_300_000 + ++seq * 10;

async function systemMessagesOf(accountId: string, userId: number) {
  const { results } = await env.DB.prepare(
    `SELECT m.body FROM messages m JOIN tickets t ON t.id = m.ticket_id JOIN contacts c ON c.id = t.contact_id
     WHERE c.account_id = ?1 AND c.external_id = ?2 AND m.direction = 'system' ORDER BY m.id`,
  )
    .bind(accountId, String(userId))
    .all<{ body: string }>();
  return results.map((r) => r.body);
}

describe("a welcome message from the template library", () => {
  it("reaches the next new customer, and so does the template's new text after an edit, at two round trips each", async () => {
    const admin = await seedUser("admin");
    const queueId = await createQueue();
    const account = await createTelegramAccount(queueId);
    const regular = nextUser();
    expect((await send(telegram(account.key, telegramUpdate({ updateId: regular, userId: regular, messageId: 1, text: "Merhaba" })))).status).toBe(200);

    const t = await call("/api/v1/templates", { method: "POST", token: admin.token, json: { name: unique("Karşılama"), body: "Hoş geldiniz {{contact.firstName}} 🌷 Size nasıl yardımcı olabiliriz?" } });
    expect(t.status, t.text).toBe(201);
    const set = await call(`/api/v1/accounts/${account.id}`, { method: "PATCH", token: admin.token, json: { conversation: { messages: { welcome: { templateId: t.data.id } } } } });
    expect(set.status, set.text).toBe(200);

    // The regular customer's next message finds the account changed and reads it anew, with the template.
    expect((await send(telegram(account.key, telegramUpdate({ updateId: regular + 1, userId: regular, messageId: 2, text: "Bir sorum var" })))).status).toBe(200);
    const steady = meteredDb();
    expect((await send(telegram(account.key, telegramUpdate({ updateId: regular + 2, userId: regular, messageId: 3, text: "Sipariş 🙏" })), steady.DB)).status).toBe(200);
    expect(steady.trips).toEqual([expect.stringMatching(/^batch of/)]);

    const first = nextUser();
    const db = meteredDb();
    expect((await send(telegram(account.key, telegramUpdate({ updateId: first, userId: first, messageId: 1, text: "İyi günler", firstName: "Şükrü" })), db.DB)).status).toBe(200);
    expect(db.trips).toHaveLength(2); // the ingest batch, then the welcome stored: as with inline text
    expect(await systemMessagesOf(account.id, first)).toEqual(["Hoş geldiniz Şükrü 🌷 Size nasıl yardımcı olabiliriz?"]);

    const versionBefore = (await row("SELECT version FROM channel_accounts WHERE id = ?1", account.id)).version;
    const edit = await call(`/api/v1/templates/${t.data.id}`, { method: "PATCH", token: admin.token, json: { body: "Merhaba {{contact.firstName}}, Çiçekçi'ye hoş geldiniz! ✿" } });
    expect(edit.status, edit.text).toBe(200);
    expect((await row("SELECT version FROM channel_accounts WHERE id = ?1", account.id)).version).toBe(versionBefore + 1);
    // A name or description change sends nothing new: the version stays.
    await call(`/api/v1/templates/${t.data.id}`, { method: "PATCH", token: admin.token, json: { description: "Yeni müşteriler için" } });
    expect((await row("SELECT version FROM channel_accounts WHERE id = ?1", account.id)).version).toBe(versionBefore + 1);

    // This isolate still holds the account with the old text: the batch notices the version and reads it anew.
    const second = nextUser();
    expect((await send(telegram(account.key, telegramUpdate({ updateId: second, userId: second, messageId: 1, text: "Selam", firstName: "Gökçe" })))).status).toBe(200);
    expect(await systemMessagesOf(account.id, second)).toEqual(["Merhaba Gökçe, Çiçekçi'ye hoş geldiniz! ✿"]);

    const third = nextUser();
    const after = meteredDb();
    expect((await send(telegram(account.key, telegramUpdate({ updateId: third, userId: third, messageId: 1, text: "Selam", firstName: "Ümit" })), after.DB)).status).toBe(200);
    expect(after.trips).toHaveLength(2);
    expect(await systemMessagesOf(account.id, third)).toEqual(["Merhaba Ümit, Çiçekçi'ye hoş geldiniz! ✿"]);
    // The first customer's welcome stays as it was sent.
    expect(await systemMessagesOf(account.id, first)).toEqual(["Hoş geldiniz Şükrü 🌷 Size nasıl yardımcı olabiliriz?"]);
  });

  it("on Instagram: a signed notification's new contact gets the template's text, and after an edit the next one gets the new text", async () => {
    const admin = await seedUser("admin");
    const account = await createMetaAccount(await createQueue());
    const t = await call("/api/v1/templates", { method: "POST", token: admin.token, json: { name: unique("IG karşılama"), body: "Merhaba {{contact.firstName}}! {{account.name}} hesabına yazdığınız için teşekkürler 💐" } });
    expect(t.status, t.text).toBe(201);
    expect((await call(`/api/v1/accounts/${account.id}`, { method: "PATCH", token: admin.token, json: { conversation: { messages: { welcome: { templateId: t.data.id } } } } })).status).toBe(200);
    const name = (await row("SELECT name FROM channel_accounts WHERE id = ?1", account.id)).name as string;

    const first = newIgsid();
    expect((await send(await meta(account.key, notification([customerMessage(first, newMid(), "Siparişim gelmedi 😟")])))).status).toBe(200);
    const [welcome] = await systemMessagesOfContact(account.id, first);
    expect(welcome).toMatch(new RegExp(`! ${name} hesabına yazdığınız için teşekkürler 💐$`));

    expect((await call(`/api/v1/templates/${t.data.id}`, { method: "PATCH", token: admin.token, json: { body: "Hoş geldiniz, {{account.name}} burada — nasıl yardımcı olabiliriz?" } })).status).toBe(200);
    const second = newIgsid();
    expect((await send(await meta(account.key, notification([customerMessage(second, newMid(), "Merhaba 👋")])))).status).toBe(200);
    expect(await systemMessagesOfContact(account.id, second)).toEqual([`Hoş geldiniz, ${name} burada — nasıl yardımcı olabiliriz?`]);
  });

  it("a template named by the queue's session timeout message moves the version of the accounts of that queue when it changes", async () => {
    const admin = await seedUser("admin");
    const t = await call("/api/v1/templates", { method: "POST", token: admin.token, json: { name: unique("Süre"), body: "Görüşmeniz {{queue.name}} için süre doldu." } });
    const q = await call("/api/v1/queues", { method: "POST", token: admin.token, json: { name: unique("Kuyruk"), routing: { sessionTimeoutS: 600, sessionTimeoutMessage: { templateId: t.data.id } } } });
    expect(q.status, q.text).toBe(201);
    const account = await createTelegramAccount(q.data.id);
    const other = await createTelegramAccount(await createQueue());
    const versions = async () => [
      (await row("SELECT version FROM channel_accounts WHERE id = ?1", account.id)).version,
      (await row("SELECT version FROM channel_accounts WHERE id = ?1", other.id)).version,
    ];
    const [before, otherBefore] = await versions();
    expect((await call(`/api/v1/templates/${t.data.id}`, { method: "PATCH", token: admin.token, json: { body: "Süre doldu, {{contact.firstName}}." } })).status).toBe(200);
    expect(await versions()).toEqual([before + 1, otherBefore]);
  });
});
