import { env } from "cloudflare:workers";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import attachmentsFixture from "../../fixtures/custom/message-attachments.json";
import batchFixture from "../../fixtures/custom/message-batch.json";
import deleteFixture from "../../fixtures/custom/delete.json";
import editFixture from "../../fixtures/custom/edit.json";
import statusFixture from "../../fixtures/custom/status.json";
import textFixture from "../../fixtures/custom/message-text.json";
import unknownFixture from "../../fixtures/custom/unknown-type.json";
import { AgentClient, count, createQueue, createTelegramAccount, createUser, fireTimers, queueStub, row, settle } from "../../helpers/hub";
import { ACCESS_TOKEN, createCustomAccount, postCustom } from "./helpers";

const stored = async (accountId: string) => ({
  messages: await count("messages", "account_id = ?1", accountId),
  contacts: await count("contacts", "account_id = ?1", accountId),
  tickets: await count("tickets", "account_id = ?1", accountId),
  receipts: await count("inbound_events", "account_id = ?1", accountId),
});
const nothing = { messages: 0, contacts: 0, tickets: 0, receipts: 0 };

describe("POST /webhooks/custom/{accountKey}", () => {
  let queueId: string;
  let account: { id: string; key: string };
  beforeEach(async () => {
    queueId = await createQueue();
    account = await createCustomAccount(queueId);
  });

  it("stores a message with its contact, ticket and conversation, queues the ticket, and a retry stores nothing new", async () => {
    const res = await postCustom(account.key, textFixture);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ ok: true, events: 1 });

    const msg = await row("SELECT * FROM messages WHERE account_id = ?1", account.id);
    expect(msg).toMatchObject({
      direction: "in",
      body: "Merhaba, siparişim nerede? 📦",
      provider_message_id: "in:msg-1001",
      status: "received",
      sent_at: Date.UTC(2026, 0, 1, 6, 30),
      attachments: "[]",
    });
    const contact = await row("SELECT * FROM contacts WHERE account_id = ?1", account.id);
    expect(contact).toMatchObject({ external_id: "cust-1001", address: "cust-1001", display_name: "Ayşe Yılmaz", username: "ayse.yilmaz", language: "tr" });
    const ticket = await row("SELECT * FROM tickets WHERE id = ?1", msg.ticket_id);
    expect(ticket).toMatchObject({ status: "open", queue_id: queueId, contact_id: contact.id, current: 1 });
    expect(await count("conversations", "ticket_id = ?1 AND open = 1", ticket.id)).toBe(1);
    expect((await queueStub(queueId).snapshot()).tickets).toEqual([expect.objectContaining({ id: ticket.id, state: "waiting" })]);

    const again = await postCustom(account.key, textFixture);
    expect(again.status).toBe(200);
    expect(await stored(account.id)).toEqual({ messages: 1, contacts: 1, tickets: 1, receipts: 1 });
  });

  it("stores a batch in order: two contacts, their tickets, every message", async () => {
    const res = await postCustom(account.key, batchFixture);
    expect(await res.json()).toEqual({ ok: true, events: 3 });
    const msgs = await env.DB.prepare("SELECT m.body, m.sent_at, c.external_id FROM messages m JOIN tickets t ON t.id = m.ticket_id JOIN contacts c ON c.id = t.contact_id WHERE m.account_id = ?1 ORDER BY m.id")
      .bind(account.id)
      .all<any>();
    expect(msgs.results).toEqual([
      { body: "Grüß Gott! Können Sie mir bei der Rücksendung helfen?", sent_at: 1767258000000, external_id: "cust-2001" },
      { body: "Die Größe passt leider nicht 😕", sent_at: 1767258005000, external_id: "cust-2001" },
      { body: "İyi günler 👋🏽", sent_at: Date.UTC(2026, 0, 1, 9, 0, 10, 250), external_id: "cust-2002" },
    ]);
    expect(await stored(account.id)).toEqual({ messages: 3, contacts: 2, tickets: 2, receipts: 3 });
    expect((await row("SELECT language FROM contacts WHERE account_id = ?1 AND external_id = 'cust-2001'", account.id)).language).toBe("de-AT");
  });

  it("stores attachments as metadata, and a message of attachments alone", async () => {
    expect((await postCustom(account.key, attachmentsFixture)).status).toBe(200);
    const msgs = await env.DB.prepare("SELECT body, attachments FROM messages WHERE account_id = ?1 ORDER BY id").bind(account.id).all<any>();
    expect(msgs.results[0].body).toBe("Hasarlı ürünün fotoğrafları ve fatura ekte");
    expect(JSON.parse(msgs.results[0].attachments)).toEqual([
      { kind: "image", ref: "https://cdn.shop.example/u/3001/hasar-1.jpg", mimeType: "image/jpeg", size: 482113 },
      { kind: "file", ref: "https://cdn.shop.example/u/3001/fatura.pdf", name: "Fatura №2026-17.pdf", mimeType: "application/pdf", size: 90211 },
      { kind: "audio", ref: "https://cdn.shop.example/u/3001/sesli-not.ogg", mimeType: "audio/ogg" },
      { kind: "video", ref: "https://cdn.shop.example/u/3001/kutu.mp4", mimeType: "video/mp4", size: 7340032 },
      { kind: "location", ref: "geo:41.0082,28.9784", name: "Sultanahmet, İstanbul" },
      { kind: "other", name: "sticker: 🐱" },
    ]);
    expect(msgs.results[1]).toEqual({ body: "", attachments: JSON.stringify([{ kind: "image", ref: "https://cdn.shop.example/u/3001/hasar-2.jpg" }]) });
  });

  it("acknowledges an item of an unknown type, names it in the answer, and stores only its receipt", async () => {
    const res = await postCustom(account.key, unknownFixture);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      ok: true,
      events: 1,
      ignored: [{ eventKey: "other:typing:typing-88", description: 'item of unknown type "typing" (id typing-88)' }],
    });
    expect(await stored(account.id)).toEqual({ ...nothing, receipts: 1 });
    expect(await count("inbound_events", "account_id = ?1 AND event_key = 'other:typing:typing-88'", account.id)).toBe(1);
  });

  describe("rejects and stores nothing", () => {
    it("401 for a wrong access token, recorded on the account", async () => {
      const wrong = await postCustom(account.key, textFixture, `${ACCESS_TOKEN.slice(0, -1)}X`);
      expect(wrong.status).toBe(401);
      expect(await wrong.json()).toEqual({ error: { code: "unauthorized", message: "Webhook authentication failed" } });
      expect((await row("SELECT last_auth_failure FROM channel_accounts WHERE id = ?1", account.id)).last_auth_failure).toBe("access token mismatch");
      expect(await stored(account.id)).toEqual(nothing);
    });

    it("401 without an access token, recorded on the account", async () => {
      const missing = await postCustom(account.key, textFixture, null);
      expect(missing.status).toBe(401);
      expect((await row("SELECT last_auth_failure FROM channel_accounts WHERE id = ?1", account.id)).last_auth_failure).toBe(
        "missing Authorization: Bearer <access token>",
      );
      expect(await stored(account.id)).toEqual(nothing);
    });

    it("403 channel_not_active for a pending channel, even with the right token", async () => {
      const pending = await createCustomAccount(queueId, { status: "pending" });
      const res = await postCustom(pending.key, textFixture);
      expect(res.status).toBe(403);
      expect(await res.json()).toEqual({ error: { code: "channel_not_active", message: "This channel is not activated yet" } });
      expect(await stored(pending.id)).toEqual(nothing);
    });

    it("404 for an unknown key, and for the key of an account of another provider", async () => {
      expect((await postCustom("no-such-key", textFixture)).status).toBe(404);
      const telegram = await createTelegramAccount(queueId);
      const res = await postCustom(telegram.key, textFixture);
      expect(res.status).toBe(404);
      expect(await stored(telegram.id)).toEqual(nothing);
    });

    it("400 malformed_payload with the details, for one bad item in a batch of good ones", async () => {
      const good = textFixture.messages[0]!;
      const res = await postCustom(account.key, { messages: [good, { ...good, id: "msg-1002", sender: { id: "cust-1001" } }] });
      expect(res.status).toBe(400);
      expect(await res.json()).toEqual({
        error: {
          code: "malformed_payload",
          message: 'The body is not a custom channel batch {"messages":[…]}',
          details: [{ path: "messages.1.sender.name", message: expect.stringMatching(/expected string/i) }],
        },
      });
      expect(await stored(account.id)).toEqual(nothing);
    });

    it("400 malformed_json for a body that is not JSON", async () => {
      const res = await postCustom(account.key, '{"messages": [');
      expect(res.status).toBe(400);
      expect((await res.json<any>()).error.code).toBe("malformed_json");
      expect(await stored(account.id)).toEqual(nothing);
    });
  });
});

describe("custom channel events reach the agent holding the ticket", () => {
  let queueId: string;
  let account: { id: string; key: string };
  let agent: AgentClient;
  let agentId: string;
  let ticketId: number;

  beforeEach(async () => {
    queueId = await createQueue();
    account = await createCustomAccount(queueId);
    const user = await createUser({ queues: [queueId] });
    agentId = user.id;
    agent = await AgentClient.connect(user.token, queueId);
    await postCustom(account.key, textFixture);
    ticketId = (await agent.next("offer")).ticket.id;
    agent.send({ type: "accept", ticketId });
    await agent.next("ticket.assigned");
  });

  afterEach(async () => {
    agent.close();
    await fireTimers(queueId).catch(() => undefined);
  });

  it("an edit replaces the text, keeps the old one as a revision, and is pushed; its retry changes nothing", async () => {
    expect((await postCustom(account.key, editFixture)).status).toBe(200);
    const updated = await agent.next("message.updated");
    expect(updated.message).toMatchObject({ ticketId, body: "Merhaba, 1234 numaralı siparişim nerede? 📦", editedAt: Date.UTC(2026, 0, 1, 6, 31) });
    const msg = await row("SELECT * FROM messages WHERE account_id = ?1 AND provider_message_id = 'in:msg-1001'", account.id);
    expect(msg.body).toBe("Merhaba, 1234 numaralı siparişim nerede? 📦");
    const revisions = () => env.DB.prepare("SELECT body FROM message_revisions WHERE message_id = ?1").bind(msg.id).all<any>();
    expect((await revisions()).results).toEqual([{ body: "Merhaba, siparişim nerede? 📦" }]);

    expect((await postCustom(account.key, editFixture)).status).toBe(200);
    expect((await revisions()).results).toHaveLength(1);
  });

  it("a delete empties the message, marks it deleted, drops its revisions, and is pushed", async () => {
    await postCustom(account.key, editFixture);
    await agent.next("message.updated");
    expect((await postCustom(account.key, deleteFixture)).status).toBe(200);
    const updated = await agent.next("message.updated");
    expect(updated.message).toMatchObject({ ticketId, body: "", attachments: [] });
    const msg = await row("SELECT * FROM messages WHERE account_id = ?1 AND provider_message_id = 'in:msg-1001'", account.id);
    expect(msg).toMatchObject({ body: "", attachments: "[]", deleted_at: Date.UTC(2026, 0, 1, 6, 32) });
    expect(await count("message_revisions", "message_id = ?1", msg.id)).toBe(0);
  });

  it("statuses move the hub's reply forward by the id the hub knows it by, and its author hears of each", async () => {
    const reply = await env.DB.prepare(
      "INSERT INTO messages (account_id, ticket_id, direction, author_id, body, provider_message_id, status) VALUES (?1, ?2, 'out', ?3, 'Kargonuz yolda 🚚', 'ext-5001', 'sent') RETURNING id",
    )
      .bind(account.id, ticketId, agentId)
      .first<{ id: number }>();
    const failedOne = await env.DB.prepare(
      "INSERT INTO messages (account_id, ticket_id, direction, author_id, body, provider_message_id, status) VALUES (?1, ?2, 'out', ?3, 'İkinci mesaj', 'custom:77', 'sent') RETURNING id",
    )
      .bind(account.id, ticketId, agentId)
      .first<{ id: number }>();

    expect((await postCustom(account.key, statusFixture)).status).toBe(200);
    const frames = [await agent.next("delivery"), await agent.next("delivery"), await agent.next("delivery")];
    expect(frames.map((f) => [f.messageId, f.status, f.reason])).toEqual([
      [reply!.id, "delivered", null],
      [reply!.id, "read", null],
      [failedOne!.id, "failed", "Empfänger hat den Chat geschlossen"],
    ]);
    expect(await row("SELECT status, status_reason FROM messages WHERE id = ?1", reply!.id)).toEqual({ status: "read", status_reason: null });
    expect(await row("SELECT status, status_reason FROM messages WHERE id = ?1", failedOne!.id)).toEqual({
      status: "failed",
      status_reason: "Empfänger hat den Chat geschlossen",
    });

    // A retry of the batch, and a late "delivered" after "read", move nothing back.
    expect((await postCustom(account.key, statusFixture)).status).toBe(200);
    const late = { messages: [{ type: "status", id: "ext-5001", status: "delivered", timestamp: "2026-01-01T07:00:00Z" }] };
    expect((await postCustom(account.key, late)).status).toBe(200);
    expect((await row("SELECT status FROM messages WHERE id = ?1", reply!.id)).status).toBe("read");
    await settle();
    expect(agent.all("delivery")).toHaveLength(3);
  });

  it("a status for a message the hub does not know is acknowledged and changes nothing", async () => {
    const res = await postCustom(account.key, { messages: [{ type: "status", id: "ext-unknown", status: "read", timestamp: 1767250000000 }] });
    expect(res.status).toBe(200);
    expect(await count("messages", "account_id = ?1 AND direction = 'out'", account.id)).toBe(0);
  });
});
