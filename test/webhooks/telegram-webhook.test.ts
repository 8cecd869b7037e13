import { env } from "cloudflare:workers";
import { beforeEach, describe, expect, it } from "vitest";
import { count, createQueue, createTelegramAccount, postTelegram, queueStub, telegramUpdate } from "../helpers/hub";

describe("POST /webhooks/telegram/{accountKey}", () => {
  let queueId: string;
  let account: { id: string; key: string };
  beforeEach(async () => {
    queueId = await createQueue();
    account = await createTelegramAccount(queueId);
  });

  it("stores a new contact's message with its contact, ticket and conversation, and queues the ticket", async () => {
    const res = await postTelegram(account.key, telegramUpdate({ updateId: 1001, userId: 5550001, messageId: 7 }));
    expect(res.status).toBe(200);

    const msg = await env.DB.prepare("SELECT * FROM messages WHERE account_id = ?1").bind(account.id).first<any>();
    expect(msg.body).toBe("Merhaba, siparişim nerede? 📦");
    expect(msg.provider_message_id).toBe("5550001:7");
    expect(msg.direction).toBe("in");
    expect(msg.sent_at).toBe(1763700000 * 1000);
    const contact = await env.DB.prepare("SELECT * FROM contacts WHERE account_id = ?1").bind(account.id).first<any>();
    expect(contact).toMatchObject({ external_id: "5550001", address: "5550001", display_name: "Zeynep Çelik", username: "zeynep_c", language: "tr" });
    const ticket = await env.DB.prepare("SELECT * FROM tickets WHERE id = ?1").bind(msg.ticket_id).first<any>();
    expect(ticket).toMatchObject({ status: "open", queue_id: queueId, contact_id: contact.id, current: 1 });
    expect(await count("conversations", "ticket_id = ?1 AND open = 1", ticket.id)).toBe(1);

    const snap = await queueStub(queueId).snapshot();
    expect(snap.tickets).toEqual([expect.objectContaining({ id: ticket.id, state: "waiting" })]);
    const acct = await env.DB.prepare("SELECT last_webhook_at FROM channel_accounts WHERE id = ?1").bind(account.id).first<any>();
    expect(acct.last_webhook_at).toBeGreaterThan(0);
  });

  it("answers a retried update_id with 200 and stores nothing new", async () => {
    const update = telegramUpdate({ updateId: 2002, userId: 5550002, messageId: 9 });
    expect((await postTelegram(account.key, update)).status).toBe(200);
    expect((await postTelegram(account.key, update)).status).toBe(200);
    expect(await count("messages", "account_id = ?1", account.id)).toBe(1);
    expect(await count("tickets", "account_id = ?1", account.id)).toBe(1);
    expect(await count("contacts", "account_id = ?1", account.id)).toBe(1);
  });

  it("makes one contact and one ticket when a new contact's first two updates arrive at once", async () => {
    const [a, b] = await Promise.all([
      postTelegram(account.key, telegramUpdate({ updateId: 3001, userId: 5550003, messageId: 1, text: "Hi" })),
      postTelegram(account.key, telegramUpdate({ updateId: 3002, userId: 5550003, messageId: 2, text: "anyone there?" })),
    ]);
    expect([a.status, b.status]).toEqual([200, 200]);
    expect(await count("contacts", "account_id = ?1", account.id)).toBe(1);
    expect(await count("tickets", "account_id = ?1", account.id)).toBe(1);
    expect(await count("conversations", "ticket_id IN (SELECT id FROM tickets WHERE account_id = ?1)", account.id)).toBe(1);
    expect(await count("messages", "account_id = ?1", account.id)).toBe(2);
  });

  it("numbers tickets without gaps however many messages their contacts send: ticket numbers are for quoting", async () => {
    for (let i = 1; i <= 4; i++) await postTelegram(account.key, telegramUpdate({ updateId: 3100 + i, userId: 5550031, messageId: i, text: `Mesaj ${i}` }));
    await postTelegram(account.key, telegramUpdate({ updateId: 3105, userId: 5550032, messageId: 1, text: "Ben de yazdım 👋" }));
    const { results } = await env.DB.prepare("SELECT id FROM tickets WHERE account_id = ?1 ORDER BY id").bind(account.id).all<{ id: number }>();
    expect(results).toHaveLength(2);
    expect(results[1]!.id - results[0]!.id).toBe(1);
  });

  it("keeps the previous text of an edited message as a revision", async () => {
    await postTelegram(account.key, telegramUpdate({ updateId: 4001, userId: 5550004, messageId: 3, text: "Siparis 1234" }));
    const edited = {
      update_id: 4002,
      edited_message: {
        ...telegramUpdate({ updateId: 0, userId: 5550004, messageId: 3 }).message,
        text: "Sipariş #1234 ✅",
        edit_date: 1763700100,
      },
    };
    expect((await postTelegram(account.key, edited)).status).toBe(200);
    expect((await postTelegram(account.key, edited)).status).toBe(200); // retry: no second revision
    const msg = await env.DB.prepare("SELECT * FROM messages WHERE provider_message_id = '5550004:3'").first<any>();
    expect(msg.body).toBe("Sipariş #1234 ✅");
    expect(msg.edited_at).toBe(1763700100 * 1000);
    const revs = await env.DB.prepare("SELECT body FROM message_revisions WHERE message_id = ?1").bind(msg.id).all<any>();
    expect(revs.results.map((r) => r.body)).toEqual(["Siparis 1234"]);
  });

  it("opens a new ticket when the contact writes after their ticket was closed", async () => {
    await postTelegram(account.key, telegramUpdate({ updateId: 5001, userId: 5550005, messageId: 1 }));
    await env.DB.prepare("UPDATE tickets SET status = 'closed', current = NULL WHERE account_id = ?1").bind(account.id).run();
    await postTelegram(account.key, telegramUpdate({ updateId: 5002, userId: 5550005, messageId: 2, text: "One more question" }));
    const tickets = await env.DB.prepare("SELECT status FROM tickets WHERE account_id = ?1 ORDER BY id").bind(account.id).all<any>();
    expect(tickets.results.map((t) => t.status)).toEqual(["closed", "open"]);
  });

  it("acknowledges an authentic update of a kind it does not handle, storing no message", async () => {
    const res = await postTelegram(account.key, {
      update_id: 6001,
      callback_query: { id: "4382bfdwdsb323b2d9", from: { id: 5550006, is_bot: false, first_name: "Ali" }, chat_instance: "-1", data: "yes" },
    });
    expect(res.status).toBe(200);
    expect(await count("messages", "account_id = ?1", account.id)).toBe(0);
    expect(await count("inbound_events", "account_id = ?1 AND event_key = 'update:6001'", account.id)).toBe(1);
  });

  describe("rejects and stores nothing", () => {
    it("401 for a wrong secret token, and records the failure on the account", async () => {
      const res = await postTelegram(account.key, telegramUpdate({ updateId: 7001, userId: 5550007, messageId: 1 }), "wrong-secret");
      expect(res.status).toBe(401);
      expect(await res.json()).toEqual({ error: { code: "unauthorized", message: "Webhook authentication failed" } });
      expect(await count("messages", "account_id = ?1", account.id)).toBe(0);
      expect(await count("contacts", "account_id = ?1", account.id)).toBe(0);
      const acct = await env.DB.prepare("SELECT last_auth_failure FROM channel_accounts WHERE id = ?1").bind(account.id).first<any>();
      expect(acct.last_auth_failure).toBe("secret token mismatch");
    });

    it("401 without the secret header", async () => {
      const res = await postTelegram(account.key, telegramUpdate({ updateId: 7002, userId: 5550007, messageId: 1 }), null);
      expect(res.status).toBe(401);
      expect(await count("messages", "account_id = ?1", account.id)).toBe(0);
    });

    it("400 for malformed JSON", async () => {
      const res = await postTelegram(account.key, '{"update_id": 7003, "message": {');
      expect(res.status).toBe(400);
      expect((await res.json<any>()).error.code).toBe("malformed_json");
      expect(await count("inbound_events", "account_id = ?1", account.id)).toBe(0);
    });

    it("400 for JSON that is not an Update", async () => {
      const res = await postTelegram(account.key, { message: { text: "no update id" } });
      expect(res.status).toBe(400);
      expect((await res.json<any>()).error.code).toBe("malformed_payload");
      expect(await count("inbound_events", "account_id = ?1", account.id)).toBe(0);
    });

    it("404 for an unknown account key, and for a key of another provider kind", async () => {
      const unknown = await postTelegram("no-such-key", telegramUpdate({ updateId: 7004, userId: 1, messageId: 1 }));
      expect(unknown.status).toBe(404);
      const other = await createTelegramAccount(queueId, { provider: "sinch" });
      const wrongKind = await postTelegram(other.key, telegramUpdate({ updateId: 7005, userId: 1, messageId: 1 }));
      expect(wrongKind.status).toBe(404);
      expect(await count("messages", "account_id IN (?1, ?2)", account.id, other.id)).toBe(0);
    });
  });
});
