import { env, exports } from "cloudflare:workers";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import image from "../../fixtures/twilio/inbound-image.json";
import location from "../../fixtures/twilio/inbound-location.json";
import sms from "../../fixtures/twilio/inbound-sms.json";
import german from "../../fixtures/twilio/inbound-text-german.json";
import text from "../../fixtures/twilio/inbound-text.json";
import sendOk from "../../fixtures/twilio/send-message-ok.json";
import canceled from "../../fixtures/twilio/status-canceled.json";
import delivered from "../../fixtures/twilio/status-delivered.json";
import failed63016 from "../../fixtures/twilio/status-failed-63016.json";
import read from "../../fixtures/twilio/status-read.json";
import sent from "../../fixtures/twilio/status-sent.json";
import { call, seedUser } from "../../helpers/api";
import { AgentClient, BASE, count, createAccount, createQueue, createTelegramAccount, createUser, fireTimers, row } from "../../helpers/hub";
import { ACCOUNT_SID, API, AUTH_TOKEN, FROM, formBody, postTwilio, requestOf, sign } from "./helpers";

const EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>';
/** Where the Worker really listens behind the proxy; PUBLIC_BASE_URL (vitest config) is https://hub.example.test. */
const INTERNAL = "http://10.0.0.7:8787";

const twilioAccount = (queueId: string) =>
  createAccount({ provider: "twilio", queueId, credentials: { authToken: AUTH_TOKEN }, settings: { accountSid: ACCOUNT_SID, from: FROM, apiBaseUrl: API } });


/** Rows an account owns, to show that a refused or ignored request stored nothing. */
async function stored(accountId: string) {
  return {
    contacts: await count("contacts", "account_id = ?1", accountId),
    tickets: await count("tickets", "account_id = ?1", accountId),
    messages: await count("messages", "account_id = ?1", accountId),
    receipts: await count("inbound_events", "account_id = ?1", accountId),
  };
}
const nothing = { contacts: 0, tickets: 0, messages: 0, receipts: 0 };

async function expectEmptyTwiml(res: Response) {
  expect(res.status).toBe(200);
  expect(res.headers.get("content-type")).toBe("text/xml; charset=utf-8");
  expect(await res.text()).toBe(EMPTY_TWIML);
}

describe("POST /webhooks/twilio/{accountKey}", () => {
  let queueId: string;
  let account: Awaited<ReturnType<typeof twilioAccount>>;
  beforeEach(async () => {
    queueId = await createQueue();
    account = await twilioAccount(queueId);
  });

  it("stores an authentic message with its contact, ticket and conversation, answering empty TwiML", async () => {
    await expectEmptyTwiml(await postTwilio(account.receiveUrl, text));

    const msg = await row("SELECT * FROM messages WHERE account_id = ?1", account.id);
    expect(msg).toMatchObject({ direction: "in", body: "Merhaba, siparişim nerede? 📦 Şu an İstanbul'dayım.", provider_message_id: text.MessageSid, status: "received", attachments: "[]" });
    expect(msg.sent_at).toBeGreaterThan(Date.now() - 60_000);
    const contact = await row("SELECT * FROM contacts WHERE account_id = ?1", account.id);
    expect(contact).toMatchObject({ external_id: "905321234567", address: "whatsapp:+905321234567", display_name: "Ayşe Yılmaz" });
    const ticket = await row("SELECT * FROM tickets WHERE id = ?1", msg.ticket_id);
    expect(ticket).toMatchObject({ status: "open", queue_id: queueId, contact_id: contact.id, current: 1 });
    expect(await count("conversations", "ticket_id = ?1 AND open = 1", ticket.id)).toBe(1);
    expect(await count("inbound_events", "account_id = ?1 AND event_key = ?2", account.id, `message:${text.MessageSid}`)).toBe(1);
  });

  it("answers a retry of the same MessageSid with empty TwiML and stores nothing new", async () => {
    await expectEmptyTwiml(await postTwilio(account.receiveUrl, german));
    const before = await stored(account.id);
    await expectEmptyTwiml(await postTwilio(account.receiveUrl, german));
    expect(await stored(account.id)).toEqual(before);
    expect(before).toEqual({ contacts: 1, tickets: 1, messages: 1, receipts: 1 });
    expect((await row("SELECT body FROM messages WHERE account_id = ?1", account.id)).body).toBe("Grüße aus München – wo bleibt meine Bestellung? Größe: XL 👕");
  });

  it("stores media and location as attachments", async () => {
    await expectEmptyTwiml(await postTwilio(account.receiveUrl, image));
    await expectEmptyTwiml(await postTwilio(account.receiveUrl, location));
    const rows = await env.DB.prepare("SELECT body, attachments FROM messages WHERE account_id = ?1 ORDER BY id").bind(account.id).all<any>();
    expect(rows.results.map((r) => ({ body: r.body, attachments: JSON.parse(r.attachments) }))).toEqual([
      { body: "Kutu hasarlı geldi 😞", attachments: [{ kind: "image", ref: image.MediaUrl0, mimeType: "image/jpeg" }] },
      { body: "", attachments: [{ kind: "location", ref: "41.008238,28.978359", name: "Ayasofya" }] },
    ]);
    // One customer, one ticket.
    expect(await count("tickets", "account_id = ?1", account.id)).toBe(1);
  });

  describe("behind a proxy (PUBLIC_BASE_URL = https://hub.example.test)", () => {
    it("accepts a request reaching another origin when it is signed over the public URL", async () => {
      const internalUrl = `${INTERNAL}/webhooks/twilio/${account.key}`;
      expect(account.receiveUrl).toBe(`https://hub.example.test/webhooks/twilio/${account.key}`);
      await expectEmptyTwiml(await postTwilio(internalUrl, text, { signOver: account.receiveUrl }));
      expect(await count("messages", "account_id = ?1 AND provider_message_id = ?2", account.id, text.MessageSid)).toBe(1);
    });

    it("refuses a signature over the internal URL the Worker saw", async () => {
      const internalUrl = `${INTERNAL}/webhooks/twilio/${account.key}`;
      const res = await postTwilio(internalUrl, text, { signOver: internalUrl });
      expect(res.status).toBe(401);
      expect(await stored(account.id)).toEqual(nothing);
    });
  });

  describe("rejects and stores nothing", () => {
    it("401 for a wrong signature, recorded on the account", async () => {
      const res = await postTwilio(account.receiveUrl, text, { signature: await sign(account.receiveUrl, text, "0123456789abcdef0123456789abcdef") });
      expect(res.status).toBe(401);
      expect(await res.json()).toEqual({ error: { code: "unauthorized", message: "Webhook authentication failed" } });
      expect(await stored(account.id)).toEqual(nothing);
      expect((await row("SELECT last_auth_failure FROM channel_accounts WHERE id = ?1", account.id)).last_auth_failure).toBe("signature mismatch");
    });

    it("401 for a signature over other parameters (one added after signing)", async () => {
      const res = await postTwilio(account.receiveUrl, text, { signature: await sign(account.receiveUrl, text), body: formBody({ ...text, Body: "değiştirildi" }) });
      expect(res.status).toBe(401);
      expect(await stored(account.id)).toEqual(nothing);
    });

    it("401 without X-Twilio-Signature", async () => {
      const res = await postTwilio(account.receiveUrl, text, { signature: null });
      expect(res.status).toBe(401);
      expect(await stored(account.id)).toEqual(nothing);
      expect((await row("SELECT last_auth_failure FROM channel_accounts WHERE id = ?1", account.id)).last_auth_failure).toBe("missing X-Twilio-Signature");
    });

    it("404 for an unknown account key, and for the key of a Telegram account", async () => {
      expect((await postTwilio(`${BASE}/webhooks/twilio/no-such-key`, text)).status).toBe(404);
      const telegram = await createTelegramAccount(queueId);
      const res = await postTwilio(`${BASE}/webhooks/twilio/${telegram.key}`, text);
      expect(res.status).toBe(404);
      expect(await stored(telegram.id)).toEqual(nothing);
      // And a Twilio key under another provider's path.
      expect((await postTwilio(`${BASE}/webhooks/telegram/${account.key}`, text)).status).toBe(404);
      expect(await stored(account.id)).toEqual(nothing);
    });

    it("400 malformed_payload for an authentic request that is no Messaging webhook", async () => {
      const { MessageSid: _sid, ...noSid } = text;
      const res = await postTwilio(account.receiveUrl, noSid);
      expect(res.status).toBe(400);
      expect((await res.json<any>()).error.code).toBe("malformed_payload");
      const badMedia = await postTwilio(account.receiveUrl, { ...image, MediaUrl0: "not a url" });
      expect(badMedia.status).toBe(400);
      expect(await stored(account.id)).toEqual(nothing);
    });

    it("400 malformed_json for an authentic body whose escapes are not UTF-8", async () => {
      const body = `MessageSid=${text.MessageSid}&AccountSid=${ACCOUNT_SID}&From=whatsapp%3A%2B905321234567&Body=%C3%28`;
      // Signed over what a lenient decoder makes of it, so only the encoding is wrong.
      const signature = await sign(account.receiveUrl, [...new URLSearchParams(body)]);
      const res = await postTwilio(account.receiveUrl, {}, { body, signature });
      expect(res.status).toBe(400);
      expect((await res.json<any>()).error.code).toBe("malformed_json");
      expect(await stored(account.id)).toEqual(nothing);
    });
  });

  describe("authentic events the hub does not act on: 200, empty TwiML, only the receipt", () => {
    it.each([
      ["a status Twilio has that the hub does not track", canceled, `status:${canceled.MessageSid}:canceled`],
      ["an SMS to the same number", sms, `message:${sms.MessageSid}`],
      ["a request with neither message nor status", { MessageSid: text.MessageSid, AccountSid: ACCOUNT_SID, ApiVersion: "2010-04-01" }, `request:${text.MessageSid}`],
    ])("%s", async (_, params, eventKey) => {
      await expectEmptyTwiml(await postTwilio(account.receiveUrl, params));
      expect(await stored(account.id)).toEqual({ ...nothing, receipts: 1 });
      expect(await count("inbound_events", "account_id = ?1 AND event_key = ?2", account.id, eventKey)).toBe(1);
    });

    it("a status callback for a MessageSid the hub never sent", async () => {
      await expectEmptyTwiml(await postTwilio(account.receiveUrl, delivered));
      expect(await stored(account.id)).toEqual({ ...nothing, receipts: 1 });
      expect(await count("inbound_events", "account_id = ?1 AND event_key = ?2", account.id, `status:${delivered.MessageSid}:delivered`)).toBe(1);
    });
  });
});

describe("the receive URL the admin API shows", () => {
  it("is exactly the URL the signature is checked against", async () => {
    const queueId = await createQueue();
    const admin = await seedUser("admin");
    const created = await call("/api/v1/accounts", {
      method: "POST",
      token: admin.token,
      json: { provider: "twilio", name: "WhatsApp İstanbul", queueId, credentials: { authToken: AUTH_TOKEN }, settings: { accountSid: ACCOUNT_SID, from: FROM } },
    });
    expect(created.status).toBe(201);
    expect(created.data).toMatchObject({ provider: "twilio", credentialsSet: { authToken: true }, settings: { accountSid: ACCOUNT_SID, from: FROM, apiBaseUrl: "https://api.twilio.com" } });

    // Read back through the proxy's internal origin: the API still shows the public URL.
    const res = await exports.default.fetch(`${INTERNAL}/api/v1/accounts/${created.data.id}`, { headers: { Authorization: `Bearer ${admin.token}` } });
    expect(res.status).toBe(200);
    const { receiveUrl, key } = await res.json<any>();
    expect(receiveUrl).toBe(`https://hub.example.test/webhooks/twilio/${key}`);

    // Twilio signs over the URL pasted into its console; the request arrives at the internal origin.
    await expectEmptyTwiml(await postTwilio(`${INTERNAL}/webhooks/twilio/${key}`, text, { signOver: receiveUrl }));
    expect(await count("messages", "account_id = ?1 AND provider_message_id = ?2", created.data.id, text.MessageSid)).toBe(1);
    // Any other spelling of it is refused.
    const other = await postTwilio(receiveUrl, german, { signOver: `${receiveUrl}/` });
    expect(other.status).toBe(401);
  });
});

describe("delivery status callbacks for a reply an agent sent", () => {
  const chatSid = sent.MessageSid;
  let queueId: string;
  let account: Awaited<ReturnType<typeof twilioAccount>>;
  let agent: AgentClient;
  let ticketId: number;
  let apiCalls: unknown[][];

  beforeEach(async () => {
    apiCalls = [];
    vi.stubGlobal(
      "fetch",
      vi.fn(async (...args: unknown[]) => {
        apiCalls.push(args);
        return new Response(JSON.stringify({ ...sendOk, sid: chatSid }), { status: 201, headers: { "content-type": "application/json" } });
      }),
    );
    queueId = await createQueue();
    account = await twilioAccount(queueId);
    agent = await AgentClient.connect((await createUser({ queues: [queueId] })).token, queueId);
    await expectEmptyTwiml(await postTwilio(account.receiveUrl, text));
    ticketId = (await agent.next("offer")).ticket.id;
    agent.send({ type: "accept", ticketId });
    await agent.next("ticket.assigned");
  });

  afterEach(async () => {
    agent.close();
    vi.unstubAllGlobals();
    await fireTimers(queueId).catch(() => undefined);
  });

  /** The agent replies; the outbox sends it to Twilio, which answers with `chatSid`. */
  async function replySent(textOut: string) {
    agent.send({ type: "reply", ticketId, text: textOut, clientMsgId: `c-${crypto.randomUUID()}` });
    const queued = await agent.next("reply.queued");
    const delivery = await agent.next("delivery", 15_000);
    expect(delivery).toMatchObject({ ticketId, messageId: queued.message.id, status: "sent" });
    return queued.message.id as number;
  }

  it("sends with the receive URL as StatusCallback, then moves only forward: delivered, (late) sent, read", async () => {
    const messageId = await replySent("Siparişiniz yolda 🚚");
    expect(apiCalls).toHaveLength(1);
    expect(requestOf(apiCalls[0]!)).toMatchObject({
      url: `${API}/2010-04-01/Accounts/${ACCOUNT_SID}/Messages.json`,
      method: "POST",
      authorization: `Basic ${btoa(`${ACCOUNT_SID}:${AUTH_TOKEN}`)}`,
      form: { From: FROM, To: "whatsapp:+905321234567", Body: "Siparişiniz yolda 🚚", StatusCallback: account.receiveUrl },
    });
    expect(await row("SELECT status, provider_message_id FROM messages WHERE id = ?1", messageId)).toEqual({ status: "sent", provider_message_id: chatSid });

    await expectEmptyTwiml(await postTwilio(account.receiveUrl, delivered));
    expect(await agent.next("delivery")).toMatchObject({ messageId, status: "delivered" });
    await expectEmptyTwiml(await postTwilio(account.receiveUrl, sent)); // late: must not move it back
    expect((await row("SELECT status FROM messages WHERE id = ?1", messageId)).status).toBe("delivered");
    await expectEmptyTwiml(await postTwilio(account.receiveUrl, read));
    expect(await agent.next("delivery")).toMatchObject({ messageId, status: "read" });
    await expectEmptyTwiml(await postTwilio(account.receiveUrl, delivered)); // a retry, and stale anyway

    expect((await row("SELECT status FROM messages WHERE id = ?1", messageId)).status).toBe("read");
    // Frames arrive in order: had the late "sent" produced one, it would sit between delivered and read.
    await agent.next("delivery", 300).catch(() => undefined);
    expect(agent.all("delivery").map((f) => f.status)).toEqual(["sent", "delivered", "read"]);
    for (const status of ["sent", "delivered", "read"]) {
      expect(await count("inbound_events", "account_id = ?1 AND event_key = ?2", account.id, `status:${chatSid}:${status}`)).toBe(1);
    }
  });

  it("a failed callback (63016) fails the reply with the reason and tells its author", async () => {
    const messageId = await replySent("Merhaba, hâlâ orada mısınız?");
    await expectEmptyTwiml(await postTwilio(account.receiveUrl, failed63016));
    const reason = "Twilio error 63016: outside WhatsApp's 24-hour window: a template is needed";
    expect(await agent.next("delivery")).toMatchObject({ messageId, status: "failed", reason });
    expect(await row("SELECT status, status_reason FROM messages WHERE id = ?1", messageId)).toEqual({ status: "failed", status_reason: reason });
    // Nothing moves a failed reply afterwards.
    await expectEmptyTwiml(await postTwilio(account.receiveUrl, read));
    expect((await row("SELECT status FROM messages WHERE id = ?1", messageId)).status).toBe("failed");
  });
});
