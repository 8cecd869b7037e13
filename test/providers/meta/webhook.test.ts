import { env, exports } from "cloudflare:workers";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import attachmentsFixture from "../../fixtures/meta/attachments.json";
import batchFixture from "../../fixtures/meta/batch-out-of-order.json";
import commentsFixture from "../../fixtures/meta/comments-change.json";
import referralFixture from "../../fixtures/meta/referral.json";
import textFixture from "../../fixtures/meta/text-message.json";
import wrongRecipientFixture from "../../fixtures/meta/wrong-recipient.json";
import { AgentClient, BASE, count, createQueue, createTelegramAccount, createUser, fireTimers, row } from "../../helpers/hub";
import { APP_SECRETS, createMetaAccount, customerEvent, customerMessage, echo, IG, newIgsid, newMid, notification, postMeta, signatureOf, VERIFY_TOKEN } from "./helpers";

const rows = async <T = any>(sql: string, ...binds: unknown[]) => (await env.DB.prepare(sql).bind(...binds).all<T>()).results;

describe("POST /webhooks/meta/{accountKey}", () => {
  let queueId: string;
  let account: { id: string; key: string };
  beforeEach(async () => {
    queueId = await createQueue();
    account = await createMetaAccount(queueId);
  });

  it("stores a customer's message with its contact, ticket and conversation; a retry stores nothing new", async () => {
    const res = await postMeta(account.key, textFixture);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ ok: true, events: 1 });

    const msg = await row("SELECT * FROM messages WHERE account_id = ?1", account.id);
    expect(msg).toMatchObject({
      direction: "in",
      body: "Merhaba, siparişim nerede? 📦",
      attachments: "[]",
      provider_message_id: textFixture.entry[0]!.messaging[0]!.message.mid,
      status: "received",
      sent_at: 1763700000123,
    });
    const contact = await row("SELECT * FROM contacts WHERE account_id = ?1", account.id);
    expect(contact).toMatchObject({ external_id: "6284937561234567", address: "6284937561234567", display_name: "6284937561234567", username: null });
    const ticket = await row("SELECT * FROM tickets WHERE id = ?1", msg.ticket_id);
    expect(ticket).toMatchObject({ status: "open", queue_id: queueId, contact_id: contact.id, current: 1 });
    expect(await count("conversations", "ticket_id = ?1 AND open = 1", ticket.id)).toBe(1);

    const retry = await postMeta(account.key, textFixture);
    expect(retry.status).toBe(200);
    expect(await count("messages", "account_id = ?1", account.id)).toBe(1);
    expect(await count("tickets", "account_id = ?1", account.id)).toBe(1);
    expect(await count("contacts", "account_id = ?1", account.id)).toBe(1);
  });

  it("stores attachments as references, Meta's URL as ref", async () => {
    expect((await postMeta(account.key, attachmentsFixture)).status).toBe(200);
    const msg = await row("SELECT body, attachments FROM messages WHERE account_id = ?1", account.id);
    expect(msg.body).toBe("Şu ürün var mı?");
    expect(JSON.parse(msg.attachments).map((a: any) => a.kind)).toEqual(["image", "audio", "video", "file", "share", "reel", "reel", "other"]);
    expect(JSON.parse(msg.attachments)[0].ref).toBe("https://lookaside.fbsbx.com/ig_messaging_cdn/?asset_id=17900000000000001&signature=AbCdEf");
  });

  it("verifies with any of the account's app secrets", async () => {
    const res = await postMeta(account.key, notification([customerMessage(newIgsid(), newMid(), "Hallo, schöne Grüße")]), { secret: APP_SECRETS[1] });
    expect(res.status).toBe(200);
    expect(await count("messages", "account_id = ?1", account.id)).toBe(1);
  });

  it("stores the events of a batch in timestamp order, whatever order the entries came in", async () => {
    expect((await postMeta(account.key, batchFixture)).status).toBe(200);
    const stored = await rows("SELECT body, sent_at FROM messages WHERE account_id = ?1 ORDER BY id", account.id);
    expect(stored.map((m) => m.body)).toEqual(["İlk mesaj", "Guten Tag, ist das Kleid noch verfügbar?", "İkinci mesaj: teşekkürler"]);
    expect(stored.map((m) => m.sent_at)).toEqual([1763700800000, 1763700850000, 1763700900000]);
  });

  it("acknowledges authentic events it does not handle, storing only their receipts", async () => {
    for (const body of [referralFixture, commentsFixture]) {
      const res = await postMeta(account.key, body);
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ ok: true, events: 1 });
    }
    expect(await count("messages", "account_id = ?1", account.id)).toBe(0);
    expect(await count("contacts", "account_id = ?1", account.id)).toBe(0);
    expect(await count("inbound_events", "account_id = ?1 AND event_key LIKE 'referral:%'", account.id)).toBe(1);
    expect(await count("inbound_events", "account_id = ?1 AND event_key LIKE 'change:%'", account.id)).toBe(1);
  });

  describe("rejects and stores nothing", () => {
    const nothingStored = async () => {
      expect(await count("messages", "account_id = ?1", account.id)).toBe(0);
      expect(await count("contacts", "account_id = ?1", account.id)).toBe(0);
      expect(await count("inbound_events", "account_id = ?1", account.id)).toBe(0);
    };

    it("401 for a wrong signature, and records the failure on the account", async () => {
      const res = await postMeta(account.key, textFixture, { secret: "not-our-secret" });
      expect(res.status).toBe(401);
      expect(await res.json()).toEqual({ error: { code: "unauthorized", message: "Webhook authentication failed" } });
      await nothingStored();
      expect((await row("SELECT last_auth_failure FROM channel_accounts WHERE id = ?1", account.id)).last_auth_failure).toBe("signature mismatch");
    });

    it("401 for a same-length wrong signature, and for none", async () => {
      const good = await signatureOf(JSON.stringify(textFixture));
      const wrong = `${good.slice(0, -1)}${good.endsWith("0") ? "1" : "0"}`;
      // The first refusal of the minute is the one recorded on the account.
      expect((await postMeta(account.key, textFixture, { signature: null })).status).toBe(401);
      expect((await postMeta(account.key, textFixture, { signature: wrong })).status).toBe(401);
      await nothingStored();
      expect((await row("SELECT last_auth_failure FROM channel_accounts WHERE id = ?1", account.id)).last_auth_failure).toBe("missing X-Hub-Signature-256");
    });

    it("403 wrong_recipient when one event of the batch is for another account: not even the others are stored", async () => {
      const res = await postMeta(account.key, wrongRecipientFixture);
      expect(res.status).toBe(403);
      const body = await res.json<any>();
      expect(body.error).toMatchObject({ code: "wrong_recipient", details: { path: "entry.0.messaging.1.recipient.id", received: "17841499999999999" } });
      await nothingStored();
    });

    it("400 for malformed JSON and for JSON that is not a notification", async () => {
      const bad = await postMeta(account.key, '{"object":"instagram","entry":[');
      expect(bad.status).toBe(400);
      expect((await bad.json<any>()).error.code).toBe("malformed_json");
      const notOne = await postMeta(account.key, { object: "instagram", entry: [{ messaging: "nope" }] });
      expect(notOne.status).toBe(400);
      expect((await notOne.json<any>()).error.code).toBe("malformed_payload");
      await nothingStored();
    });

    it("404 for an unknown account key, and for a key of another provider kind", async () => {
      expect((await postMeta("no-such-key", textFixture)).status).toBe(404);
      const telegram = await createTelegramAccount(queueId);
      expect((await postMeta(telegram.key, textFixture)).status).toBe(404);
      expect(await count("messages", "account_id IN (?1, ?2)", account.id, telegram.id)).toBe(0);
    });
  });
});

describe("GET /webhooks/meta/{accountKey} (subscription handshake)", () => {
  let key: string;
  beforeEach(async () => {
    key = (await createMetaAccount(await createQueue())).key;
  });
  const get = (k: string, q: Record<string, string>) => exports.default.fetch(`${BASE}/webhooks/meta/${k}?${new URLSearchParams(q)}`);

  it("answers hub.challenge as text/plain for the right verify token", async () => {
    const res = await get(key, { "hub.mode": "subscribe", "hub.verify_token": VERIFY_TOKEN, "hub.challenge": "1158201444" });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/plain/);
    expect(await res.text()).toBe("1158201444");
  });

  it("403 JSON for a wrong verify token", async () => {
    const res = await get(key, { "hub.mode": "subscribe", "hub.verify_token": "guess", "hub.challenge": "1" });
    expect(res.status).toBe(403);
    expect((await res.json<any>()).error.code).toBe("forbidden");
  });

  it("a GET without hub.mode is not a handshake; unknown keys are 404", async () => {
    expect((await get(key, {})).status).toBe(405);
    expect((await get("nope", { "hub.mode": "subscribe", "hub.verify_token": VERIFY_TOKEN, "hub.challenge": "1" })).status).toBe(404);
  });
});

describe("Meta events about messages, end to end", () => {
  let queueId: string;
  let account: { id: string; key: string };
  let agent: AgentClient;
  let user: { id: string; token: string };
  let igsid: string;
  let ticketId: number;
  let firstMid: string;

  beforeEach(async () => {
    queueId = await createQueue();
    account = await createMetaAccount(queueId);
    user = await createUser({ queues: [queueId] });
    agent = await AgentClient.connect(user.token, queueId);
    igsid = newIgsid();
    firstMid = newMid();
    expect((await postMeta(account.key, notification([customerMessage(igsid, firstMid, "Merhaba! Kargom nerede?")]))).status).toBe(200);
    ticketId = (await agent.next("offer")).ticket.id;
    agent.send({ type: "accept", ticketId });
    await agent.next("ticket.assigned");
  });

  afterEach(async () => {
    agent.close();
    vi.unstubAllGlobals();
    await fireTimers(queueId).catch(() => undefined);
  });

  /** An outbound reply as the outbox leaves it once Meta took it. */
  const sentReply = async (mid: string, body: string) =>
    (await row<{ id: number }>(
      "INSERT INTO messages (account_id, ticket_id, direction, author_id, body, provider_message_id, status) VALUES (?1, ?2, 'out', ?3, ?4, ?5, 'sent') RETURNING id",
      account.id,
      ticketId,
      user.id,
      body,
      mid,
    ))!.id;

  it("an echo of a reply the hub sent stores nothing new", async () => {
    const mid = newMid();
    const id = await sentReply(mid, "Kargonuz yolda 🚚");
    expect((await postMeta(account.key, notification([echo(igsid, mid, "Kargonuz yolda 🚚")]))).status).toBe(200);
    expect(await count("messages", "ticket_id = ?1 AND direction = 'out'", ticketId)).toBe(1);
    expect(await row("SELECT id, status, author_id FROM messages WHERE provider_message_id = ?1", mid)).toEqual({ id, status: "sent", author_id: user.id });
  });

  it("an echo of a message sent from the Instagram app is recorded as outbound on the contact's ticket", async () => {
    const mid = newMid();
    expect((await postMeta(account.key, notification([echo(igsid, mid, "Uygulamadan yazdım: Grüße! 👋")]))).status).toBe(200);
    const stored = await row("SELECT * FROM messages WHERE provider_message_id = ?1", mid);
    expect(stored).toMatchObject({ ticket_id: ticketId, direction: "out", body: "Uygulamadan yazdım: Grüße! 👋", status: "sent", author_id: null });
    const frame = await agent.next("message");
    expect(frame.message).toMatchObject({ id: stored.id, direction: "out", body: "Uygulamadan yazdım: Grüße! 👋" });
    // Its retry records nothing more.
    await postMeta(account.key, notification([echo(igsid, mid, "Uygulamadan yazdım: Grüße! 👋", stored.sent_at)]));
    expect(await count("messages", "ticket_id = ?1 AND direction = 'out'", ticketId)).toBe(1);
  });

  it("an unsend removes the text from D1 and tells the agent holding the ticket", async () => {
    const event = customerMessage(igsid, firstMid, "", Date.now(), { is_deleted: true });
    delete (event.message as any).text;
    expect((await postMeta(account.key, notification([event]))).status).toBe(200);
    const stored = await row("SELECT body, attachments, deleted_at FROM messages WHERE provider_message_id = ?1", firstMid);
    expect(stored).toMatchObject({ body: "", attachments: "[]" });
    expect(stored.deleted_at).toBeGreaterThan(0);
    const text = await rows(
      `SELECT body FROM messages WHERE account_id = ?1 AND body LIKE '%Kargom%'
       UNION ALL SELECT r.body FROM message_revisions r JOIN messages m ON m.id = r.message_id WHERE m.account_id = ?1`,
      account.id,
    );
    expect(text).toEqual([]);
    const updated = await agent.next("message.updated");
    expect(updated.message).toMatchObject({ body: "", deletedAt: stored.deleted_at });
  });

  it("a read receipt moves every sent reply up to that one to read, and their author hears of each", async () => {
    const first = await sentReply(newMid(), "Bir dakika lütfen");
    const lastMid = newMid();
    const second = await sentReply(lastMid, "Kargonuz yarın geliyor 📦");
    expect((await postMeta(account.key, notification([customerEvent(igsid, { read: { mid: lastMid } })]))).status).toBe(200);
    expect(await rows("SELECT id, status FROM messages WHERE ticket_id = ?1 AND direction = 'out' ORDER BY id", ticketId)).toEqual([
      { id: first, status: "read" },
      { id: second, status: "read" },
    ]);
    const frames = [await agent.next("delivery"), await agent.next("delivery")];
    expect(frames.map((f) => [f.messageId, f.status]).sort()).toEqual([[first, "read"], [second, "read"]].sort());
  });

  it("a reaction is recorded on the message, and taken back", async () => {
    const mid = newMid();
    const id = await sentReply(mid, "Teşekkürler!");
    await postMeta(account.key, notification([customerEvent(igsid, { reaction: { mid, action: "react", reaction: "love", emoji: "❤️" } })]));
    expect((await row("SELECT reaction FROM messages WHERE id = ?1", id)).reaction).toBe("❤️");
    expect((await agent.next("message.updated")).message).toMatchObject({ id, reaction: "❤️" });
    await postMeta(account.key, notification([customerEvent(igsid, { reaction: { mid, action: "unreact" } }, Date.now() + 1)]));
    expect((await row("SELECT reaction FROM messages WHERE id = ?1", id)).reaction).toBeNull();
  });

  it("a story mention keeps no URL anywhere in D1; the agent sees it live once, and a replay carries no URL", async () => {
    const url = `https://lookaside.fbsbx.com/ig_messaging_cdn/?asset_id=17999999999999999&signature=Ephemeral-${crypto.randomUUID()}`;
    const mid = newMid();
    const event = customerMessage(igsid, mid, "", Date.now(), { attachments: [{ type: "story_mention", payload: { url } }] });
    delete (event.message as any).text;
    const seqBefore = agent.lastSeq;
    expect((await postMeta(account.key, notification([event]))).status).toBe(200);

    const live = await agent.next("message");
    expect(live.ephemeral).toEqual({ kind: "story_mention", url });
    expect(live.message.attachments).toEqual([{ kind: "story_mention" }]);

    // Not in any column of any table.
    const tables = await rows<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_cf_%'");
    expect(tables.map((t) => t.name)).toContain("messages");
    for (const { name } of tables) {
      const all = await rows(`SELECT * FROM "${name}"`);
      expect(JSON.stringify(all), `table ${name}`).not.toContain("Ephemeral-");
    }
    const stored = await row("SELECT * FROM messages WHERE provider_message_id = ?1", mid);
    expect(JSON.parse(stored.attachments)).toEqual([{ kind: "story_mention" }]);

    agent.close();
    agent = await AgentClient.connect(user.token, queueId, seqBefore);
    const replayed = await agent.next("message");
    expect(replayed.seq).toBe(live.seq);
    expect(replayed.message).toEqual(live.message);
    expect(replayed).not.toHaveProperty("ephemeral");
    expect(JSON.stringify(agent.frames)).not.toContain("Ephemeral-");
  });

  it("a reply goes out through the Send API; its echo stores nothing new and its read receipt reaches the author", async () => {
    const replyMid = newMid();
    const calls: { url: string; init: RequestInit }[] = [];
    vi.stubGlobal(
      "fetch",
      vi.fn(async (input: RequestInfo | URL, init?: RequestInit) => {
        calls.push({ url: String(input), init: init! });
        return Response.json({ recipient_id: igsid, message_id: replyMid });
      }),
    );
    agent.send({ type: "reply", ticketId, text: "Kargonuz yarın teslim edilecek 🚚", clientMsgId: "r-1" });
    const queued = await agent.next("reply.queued");
    const sent = await agent.next("delivery", 15_000);
    expect(sent).toMatchObject({ messageId: queued.message.id, status: "sent" });
    expect(calls).toHaveLength(1);
    expect(calls[0]!.url).toBe(`https://graph.instagram.com/v26.0/${IG}/messages`);
    expect(JSON.parse(String(calls[0]!.init.body))).toEqual({ recipient: { id: igsid }, message: { text: "Kargonuz yarın teslim edilecek 🚚" } });
    expect((await row("SELECT provider_message_id FROM messages WHERE id = ?1", queued.message.id)).provider_message_id).toBe(replyMid);

    await postMeta(account.key, notification([echo(igsid, replyMid, "Kargonuz yarın teslim edilecek 🚚")]));
    expect(await count("messages", "ticket_id = ?1 AND direction = 'out'", ticketId)).toBe(1);

    await postMeta(account.key, notification([customerEvent(igsid, { read: { mid: replyMid } })]));
    expect(await agent.next("delivery")).toMatchObject({ messageId: queued.message.id, status: "read" });
    expect((await row("SELECT status FROM messages WHERE id = ?1", queued.message.id)).status).toBe("read");
  }, 30_000);
});
