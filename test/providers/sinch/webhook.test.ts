import { env, exports } from "cloudflare:workers";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { clearTokenCache } from "../../../src/providers/sinch/token";
import conversationStart from "../../fixtures/sinch/conversation-start.json";
import delivered from "../../fixtures/sinch/delivery-delivered.json";
import failedWindow from "../../fixtures/sinch/delivery-failed-window.json";
import queuedOnChannel from "../../fixtures/sinch/delivery-queued-on-channel.json";
import read from "../../fixtures/sinch/delivery-read.json";
import composing from "../../fixtures/sinch/event-inbound-composing.json";
import location from "../../fixtures/sinch/inbound-location.json";
import mediaCard from "../../fixtures/sinch/inbound-media-card.json";
import sms from "../../fixtures/sinch/inbound-sms.json";
import textReply from "../../fixtures/sinch/inbound-text-reply.json";
import text from "../../fixtures/sinch/inbound-text.json";
import echo from "../../fixtures/sinch/outbound-echo.json";
import tokenOk from "../../fixtures/sinch/token-ok.json";
import { AgentClient, BASE, count, createAccount, createQueue, createUser, fireTimers, queueStub } from "../../helpers/hub";
import { API_BASE, AUTH_URL, creds, PROJECT_ID, settings, signedHeaders } from "./helpers";

const OUTSIDE = "outside WhatsApp's 24-hour window (Sinch OUTSIDE_ALLOWED_SENDING_WINDOW)";

async function createSinchAccount(queueId: string) {
  return createAccount({ provider: "sinch", queueId, credentials: { ...creds }, settings: { ...settings } });
}

/** POSTs `body` to the receive URL, signed as Sinch signs (`sign: false` sends no signature headers). */
async function postSinch(
  key: string,
  body: unknown,
  o: { headers?: Record<string, string>; sign?: boolean; nonce?: string; timestamp?: number; secret?: string } = {},
) {
  const raw = typeof body === "string" ? body : JSON.stringify(body);
  const headers = o.sign === false ? { "content-type": "application/json" } : await signedHeaders(raw, o);
  return exports.default.fetch(`${BASE}/webhooks/sinch/${key}`, { method: "POST", headers: { ...headers, ...o.headers }, body: raw });
}

/** The fixture with the channel's time set to `at` (default: now), so WhatsApp's window is open. */
function at<T extends { event_time?: string }>(fixture: T, when = Date.now()): T {
  return { ...structuredClone(fixture), event_time: new Date(when).toISOString() };
}

const rowOf = (sql: string, ...binds: unknown[]) => env.DB.prepare(sql).bind(...binds).first<any>();

describe("POST /webhooks/sinch/{accountKey}", () => {
  let queueId: string;
  let account: { id: string; key: string };
  beforeEach(async () => {
    queueId = await createQueue();
    account = await createSinchAccount(queueId);
  });

  it("stores a WhatsApp message with its contact, ticket and conversation, and queues the ticket", async () => {
    const res = await postSinch(account.key, text);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ ok: true, events: 1 });

    const msg = await rowOf("SELECT * FROM messages WHERE account_id = ?1", account.id);
    expect(msg).toMatchObject({
      direction: "in",
      body: "Merhaba, siparişim nerede? Kargo takip numarası çalışmıyor 📦🙏",
      provider_message_id: "01HQ80A3R7Y1T5K9W2N4B6M8CD",
      status: "received",
      sent_at: Date.UTC(2026, 0, 14, 9, 15, 42, 318),
      attachments: "[]",
    });
    const contact = await rowOf("SELECT * FROM contacts WHERE account_id = ?1", account.id);
    expect(contact).toMatchObject({ external_id: "905321234567", address: "905321234567", display_name: "905321234567" });
    const ticket = await rowOf("SELECT * FROM tickets WHERE id = ?1", msg.ticket_id);
    expect(ticket).toMatchObject({ status: "open", queue_id: queueId, contact_id: contact.id, current: 1 });
    expect(await count("conversations", "ticket_id = ?1 AND open = 1", ticket.id)).toBe(1);
    expect(await count("inbound_events", "account_id = ?1 AND event_key = ?2", account.id, "message:01HQ80A3R7Y1T5K9W2N4B6M8CD")).toBe(1);
    const snap = await queueStub(queueId).snapshot();
    expect(snap.tickets).toEqual([expect.objectContaining({ id: ticket.id, state: "waiting" })]);
  });

  it("answers Sinch's retry of a message (a new nonce, same message id) with 200 and stores nothing new", async () => {
    expect((await postSinch(account.key, text)).status).toBe(200);
    expect((await postSinch(account.key, text)).status).toBe(200);
    expect(await count("messages", "account_id = ?1", account.id)).toBe(1);
    expect(await count("tickets", "account_id = ?1", account.id)).toBe(1);
    expect(await count("contacts", "account_id = ?1", account.id)).toBe(1);
    expect(await count("inbound_events", "account_id = ?1", account.id)).toBe(1);
  });

  it("refuses the same signed request a second time (its nonce was seen), storing nothing", async () => {
    const raw = JSON.stringify(textReply);
    const headers = await signedHeaders(raw, { nonce: "01REPLAYEDNONCE" });
    const send = () => exports.default.fetch(`${BASE}/webhooks/sinch/${account.key}`, { method: "POST", headers, body: raw });
    expect((await send()).status).toBe(200);
    const before = {
      messages: await count("messages", "account_id = ?1", account.id),
      events: await count("inbound_events", "account_id = ?1", account.id),
    };
    const again = await send();
    expect(again.status).toBe(401);
    expect(await again.json()).toEqual({ error: { code: "unauthorized", message: "Webhook authentication failed" } });
    expect(await count("messages", "account_id = ?1", account.id)).toBe(before.messages);
    expect(await count("inbound_events", "account_id = ?1", account.id)).toBe(before.events);
    expect((await rowOf("SELECT last_auth_failure FROM channel_accounts WHERE id = ?1", account.id)).last_auth_failure).toBe(
      "replayed request (nonce seen before)",
    );
    expect(await count("webhook_replays", "account_id = ?1 AND replay_key = '01REPLAYEDNONCE'", account.id)).toBe(1);
  });

  it("stores a message with umlauts, its reply_to and a sender identity written with +", async () => {
    expect((await postSinch(account.key, textReply)).status).toBe(200);
    const msg = await rowOf("SELECT m.body, c.external_id, c.address FROM messages m JOIN tickets t ON t.id = m.ticket_id JOIN contacts c ON c.id = t.contact_id WHERE m.account_id = ?1", account.id);
    expect(msg).toEqual({ body: "Grüße aus München! Wann kommt mein Päckchen? Danke schön 😊", external_id: "+4915112345678", address: "+4915112345678" });
  });

  it("stores media and locations as attachments, captions as the body", async () => {
    expect((await postSinch(account.key, mediaCard)).status).toBe(200);
    expect((await postSinch(account.key, location)).status).toBe(200);
    const rows = await env.DB.prepare("SELECT body, attachments FROM messages WHERE account_id = ?1 ORDER BY id").bind(account.id).all<any>();
    expect(rows.results.map((r) => ({ body: r.body, attachments: JSON.parse(r.attachments) }))).toEqual([
      {
        body: "Kutu ezik geldi, fotoğraf ekte 📷",
        attachments: [{ kind: "image", ref: "https://eu.conversation.api.sinch.com/media/01HQ85G3K8H6M0N2Q4S7U9W1YZ/hasarli-kutu.png", name: "hasarli-kutu.png" }],
      },
      { body: "", attachments: [{ kind: "location", ref: "40.991779,29.023485", name: "Kadıköy İskelesi" }] },
    ]);
    // Both from one contact: one ticket.
    expect(await count("tickets", "account_id = ?1", account.id)).toBe(1);
  });

  it("acknowledges authentic callbacks it does not handle, storing only the receipt", async () => {
    for (const body of [composing, conversationStart, sms, queuedOnChannel]) {
      const res = await postSinch(account.key, body, { nonce: `01IGN${Math.random().toString(36).slice(2, 12).toUpperCase()}` });
      expect(res.status).toBe(200);
    }
    expect(await count("messages", "account_id = ?1", account.id)).toBe(0);
    expect(await count("contacts", "account_id = ?1", account.id)).toBe(0);
    expect(await count("inbound_events", "account_id = ?1", account.id)).toBe(4);
    expect(await count("inbound_events", "account_id = ?1 AND event_key = ?2", account.id, "conversation_start_notification:01HQ80A3M2S6V8XR1F4KJ7C9TB")).toBe(1);
    expect(await count("inbound_events", "account_id = ?1 AND event_key LIKE 'event:nonce:01IGN%'", account.id)).toBe(1);
  });

  describe("delivery reports and echoes", () => {
    /** A reply the hub sent on the contact's ticket, as the outbox leaves it. */
    async function sentReply(providerMessageId: string, body = "Siparişiniz yarın teslim edilecek 🚚") {
      await postSinch(account.key, text);
      const ticket = await rowOf("SELECT id FROM tickets WHERE account_id = ?1", account.id);
      return rowOf(
        "INSERT INTO messages (account_id, ticket_id, direction, body, provider_message_id, status) VALUES (?1, ?2, 'out', ?3, ?4, 'sent') RETURNING id",
        account.id,
        ticket.id,
        body,
        providerMessageId,
      );
    }

    it("moves a sent reply to delivered, then read; a retried report changes nothing", async () => {
      const reply = await sentReply("01HQ8BN9R4P2T6U8W0Y3A5C7EF");
      expect((await postSinch(account.key, delivered)).status).toBe(200);
      expect(await rowOf("SELECT status FROM messages WHERE id = ?1", reply.id)).toEqual({ status: "delivered" });
      expect((await postSinch(account.key, read)).status).toBe(200);
      expect((await postSinch(account.key, delivered)).status).toBe(200); // late retry: never backwards
      expect(await rowOf("SELECT status FROM messages WHERE id = ?1", reply.id)).toEqual({ status: "read" });
      expect(await count("inbound_events", "account_id = ?1 AND event_key LIKE 'status:%'", account.id)).toBe(2);
    });

    it("fails a sent reply when WhatsApp's window had closed", async () => {
      const reply = await sentReply("01HQ8CP0S5Q3U7V9X1Z4B6D8FG");
      expect((await postSinch(account.key, failedWindow)).status).toBe(200);
      expect(await rowOf("SELECT status, status_reason FROM messages WHERE id = ?1", reply.id)).toEqual({ status: "failed", status_reason: OUTSIDE });
    });

    it("reconciles the echo of a reply the hub sent, and records one sent from elsewhere", async () => {
      const reply = await sentReply("01HQ8AM8Q3N1S5T7V9X2Z4B6DE");
      expect((await postSinch(account.key, echo)).status).toBe(200);
      expect(await count("messages", "account_id = ?1 AND direction = 'out'", account.id)).toBe(1);
      expect(await rowOf("SELECT status FROM messages WHERE id = ?1", reply.id)).toEqual({ status: "sent" });

      const elsewhere = structuredClone(echo);
      elsewhere.message.id = "01HQ8ZZ0FROMPORTAL00000000";
      elsewhere.message.app_message.text_message.text = "Sinch portalından yazıldı ✍️";
      expect((await postSinch(account.key, elsewhere)).status).toBe(200);
      expect(await rowOf("SELECT direction, body, status FROM messages WHERE provider_message_id = '01HQ8ZZ0FROMPORTAL00000000'")).toEqual({
        direction: "out",
        body: "Sinch portalından yazıldı ✍️",
        status: "sent",
      });
    });
  });

  describe("rejects and stores nothing", () => {
    const nothingStored = async () => {
      expect(await count("messages", "account_id = ?1", account.id)).toBe(0);
      expect(await count("contacts", "account_id = ?1", account.id)).toBe(0);
      expect(await count("inbound_events", "account_id = ?1", account.id)).toBe(0);
    };

    it("401 for a signature made with another secret, recording the failure", async () => {
      const res = await postSinch(account.key, text, { secret: "not-the-account-secret" });
      expect(res.status).toBe(401);
      await nothingStored();
      expect((await rowOf("SELECT last_auth_failure FROM channel_accounts WHERE id = ?1", account.id)).last_auth_failure).toBe("signature mismatch");
    });

    it("401 without signature headers", async () => {
      const res = await postSinch(account.key, text, { sign: false });
      expect(res.status).toBe(401);
      await nothingStored();
      expect((await rowOf("SELECT last_auth_failure FROM channel_accounts WHERE id = ?1", account.id)).last_auth_failure).toBe(
        "missing x-sinch-webhook-signature",
      );
    });

    it("401 for a stale timestamp, without claiming its nonce", async () => {
      const res = await postSinch(account.key, text, { timestamp: Math.floor(Date.now() / 1000) - 600, nonce: "01STALENONCE" });
      expect(res.status).toBe(401);
      await nothingStored();
      expect((await rowOf("SELECT last_auth_failure FROM channel_accounts WHERE id = ?1", account.id)).last_auth_failure).toMatch(/^stale signature timestamp/);
      expect(await count("webhook_replays", "account_id = ?1", account.id)).toBe(0);
    });

    it("401 for an algorithm other than HmacSHA256", async () => {
      const res = await postSinch(account.key, text, { headers: { "x-sinch-webhook-signature-algorithm": "HmacSHA1" } });
      expect(res.status).toBe(401);
      await nothingStored();
    });

    it("400 for malformed JSON and for JSON that is not a callback", async () => {
      const bad = await postSinch(account.key, '{"app_id":"x","message":{');
      expect(bad.status).toBe(400);
      expect((await bad.json<any>()).error.code).toBe("malformed_json");
      const notCallback = await postSinch(account.key, { message: { id: "01X", contact_message: { text_message: { text: "hi" } } } });
      expect(notCallback.status).toBe(400);
      expect((await notCallback.json<any>()).error.code).toBe("malformed_payload");
      await nothingStored();
    });

    it("404 for an unknown account key, and for the key of an account of another provider", async () => {
      expect((await postSinch("no-such-key", text)).status).toBe(404);
      const telegram = await createAccount({
        provider: "telegram",
        queueId,
        credentials: { botToken: "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw", secretToken: "s3cret" },
        settings: {},
      });
      expect((await postSinch(telegram.key, text)).status).toBe(404);
      expect(await count("messages", "account_id IN (?1, ?2)", account.id, telegram.id)).toBe(0);
    });
  });
});

describe("a reply refused by WhatsApp's window, end to end", () => {
  let calls: { url: string; init?: RequestInit }[];
  let queueId: string;
  let agent: AgentClient;

  beforeEach(async () => {
    clearTokenCache();
    calls = [];
    vi.stubGlobal(
      "fetch",
      vi.fn(async (input: RequestInfo | URL, init?: RequestInit) => {
        const url = String(input);
        calls.push({ url, init });
        if (url === AUTH_URL) return Response.json(tokenOk);
        if (url === `${API_BASE}/v1/projects/${PROJECT_ID}/messages:send`) return Response.json({ accepted_time: new Date().toISOString(), message_id: "01HQ8CP0S5Q3U7V9X1Z4B6D8FG" });
        throw new Error(`unexpected fetch ${url}`);
      }),
    );
    queueId = await createQueue();
  });

  afterEach(async () => {
    agent?.close();
    vi.unstubAllGlobals();
    await fireTimers(queueId).catch(() => undefined);
  });

  it("sends the agent's reply through Sinch, then a FAILED report marks it failed and tells its author", async () => {
    const account = await createSinchAccount(queueId);
    agent = await AgentClient.connect((await createUser({ queues: [queueId] })).token, queueId);
    expect((await postSinch(account.key, at(text))).status).toBe(200);
    const ticketId = (await agent.next("offer")).ticket.id;
    agent.send({ type: "accept", ticketId });
    await agent.next("ticket.assigned");

    agent.send({ type: "reply", ticketId, text: "Kargonuz yolda, yarın teslim 🚚", clientMsgId: "s-1" });
    const queued = await agent.next("reply.queued");
    expect(await agent.next("delivery", 15_000)).toMatchObject({ messageId: queued.message.id, status: "sent", reason: null });
    const sendCall = calls.find((c) => c.url.endsWith("messages:send"))!;
    expect(JSON.parse(String(sendCall.init?.body))).toEqual({
      app_id: settings.appId,
      recipient: { identified_by: { channel_identities: [{ channel: "WHATSAPP", identity: "905321234567" }] } },
      message: { text_message: { text: "Kargonuz yolda, yarın teslim 🚚" } },
    });
    expect(await rowOf("SELECT status, provider_message_id FROM messages WHERE id = ?1", queued.message.id)).toEqual({
      status: "sent",
      provider_message_id: "01HQ8CP0S5Q3U7V9X1Z4B6D8FG",
    });

    expect((await postSinch(account.key, failedWindow)).status).toBe(200);
    expect(await agent.next("delivery", 5_000)).toMatchObject({ ticketId, messageId: queued.message.id, status: "failed", reason: OUTSIDE });
    expect(await rowOf("SELECT status, status_reason FROM messages WHERE id = ?1", queued.message.id)).toEqual({ status: "failed", status_reason: OUTSIDE });
  }, 30_000);
});
