import { env, exports } from "cloudflare:workers";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { connexeaseSignature } from "../../../src/providers/connexease";
import conversationAssigned from "../../fixtures/connexease/conversation-assigned.json";
import messageAgent from "../../fixtures/connexease/message-agent.json";
import messageGerman from "../../fixtures/connexease/message-german.json";
import messageImage from "../../fixtures/connexease/message-image.json";
import panelAgent from "../../fixtures/connexease/message-panel-agent.json";
import publicSample from "../../fixtures/connexease/message-public-sample.json";
import storyMention from "../../fixtures/connexease/message-story-mention.json";
import messageText from "../../fixtures/connexease/message-text.json";
import stateDelivered from "../../fixtures/connexease/state-delivered.json";
import stateFailed from "../../fixtures/connexease/state-failed.json";
import stateRead from "../../fixtures/connexease/state-read.json";
import stateSent from "../../fixtures/connexease/state-sent.json";
import { AgentClient, BASE, count, createAccount, createQueue, createUser, fireTimers, row } from "../../helpers/hub";
import { CHANNEL, CONVERSATION, creds } from "./helpers";

const enc = new TextEncoder();
const settings = { channelId: CHANNEL, accountId: "10482", apiBaseUrl: "https://api.connexease.example" };
const MESSAGE_ID = messageText.payload.uuid;
const AGENT_MESSAGE_ID = messageAgent.payload.uuid;

type Sign = "raw_body" | "channel_uuid" | null | string;

/** POSTs `body` (bytes as given) to the account's receive URL, signed as Connexease would. */
async function post(key: string, body: unknown, sign: Sign = "raw_body") {
  const raw = typeof body === "string" ? body : JSON.stringify(body);
  const headers: Record<string, string> = { "Content-Type": "application/json" };
  if (sign === "raw_body") headers["X-Connexease-Webhook-Sign"] = await connexeaseSignature(creds.webhookSecret, enc.encode(raw));
  else if (sign === "channel_uuid") headers["X-Connexease-Webhook-Sign"] = await connexeaseSignature(creds.webhookSecret, CHANNEL);
  else if (sign !== null) headers["X-Connexease-Webhook-Sign"] = sign;
  return exports.default.fetch(`${BASE}/webhooks/connexease/${key}`, { method: "POST", headers, body: raw });
}


describe("POST /webhooks/connexease/{accountKey}", () => {
  let queueId: string;
  let account: { id: string; key: string };
  beforeEach(async () => {
    queueId = await createQueue();
    account = await createAccount({ provider: "connexease", queueId, credentials: creds, settings });
  });

  it("stores a customer's message with contact (address = conversation uuid), ticket and conversation; a retry stores nothing new", async () => {
    const res = await post(account.key, messageText);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ ok: true, events: 1 });

    const msg = await row("SELECT * FROM messages WHERE account_id = ?1", account.id);
    expect(msg).toMatchObject({
      direction: "in",
      body: "Merhaba, siparişim nerede? 📦",
      attachments: "[]",
      provider_message_id: MESSAGE_ID,
      status: "received",
      sent_at: Date.UTC(2026, 0, 1, 10, 0, 0, 300),
    });
    const contact = await row("SELECT * FROM contacts WHERE account_id = ?1", account.id);
    expect(contact).toMatchObject({ external_id: "48213", address: CONVERSATION, display_name: "Ayşe Yılmaz", username: "ayse.yilmaz" });
    const ticket = await row("SELECT * FROM tickets WHERE id = ?1", msg.ticket_id);
    expect(ticket).toMatchObject({ status: "open", queue_id: queueId, contact_id: contact.id, current: 1 });
    expect(await count("conversations", "ticket_id = ?1 AND open = 1", ticket.id)).toBe(1);
    expect(await count("inbound_events", "account_id = ?1 AND event_key = ?2", account.id, `message:${MESSAGE_ID}`)).toBe(1);

    expect((await post(account.key, messageText)).status).toBe(200);
    expect(await count("messages", "account_id = ?1", account.id)).toBe(1);
    expect(await count("tickets", "account_id = ?1", account.id)).toBe(1);
    expect(await count("contacts", "account_id = ?1", account.id)).toBe(1);
    expect(await count("inbound_events", "account_id = ?1", account.id)).toBe(1);
  });

  it("stores German umlauts and emoji byte-exact, and an image's URL as its attachment", async () => {
    expect((await post(account.key, messageGerman)).status).toBe(200);
    expect((await post(account.key, messageImage)).status).toBe(200);
    const german = await row("SELECT body FROM messages WHERE provider_message_id = ?1", messageGerman.payload.uuid);
    expect(german.body).toBe("Grüße aus Köln! Können Sie mir bei der Rücksendung helfen? 🙏");
    const image = await row("SELECT body, attachments FROM messages WHERE provider_message_id = ?1", messageImage.payload.uuid);
    expect(image.body).toBe("Kutu hasarlı geldi 😞");
    expect(JSON.parse(image.attachments)).toEqual([{ kind: "image", ref: "https://media.connexease.example/c/8d2b6c1e/kutu.jpg" }]);
    expect(await count("contacts", "account_id = ?1", account.id)).toBe(2);
  });

  it("stores the public sample's shape (customer with name and phone only, no message uuid) once, however Connexease resends it", async () => {
    const res = await post(account.key, publicSample);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ ok: true, events: 1 });
    const msg = await row("SELECT * FROM messages WHERE account_id = ?1", account.id);
    expect(msg).toMatchObject({ direction: "in", body: "Merhaba, kargom nerede? Sipariş no 4711 📦", status: "received" });
    expect(msg.provider_message_id).toMatch(/^derived:[0-9a-f]{28}$/);
    const contact = await row("SELECT * FROM contacts WHERE account_id = ?1", account.id);
    expect(contact).toMatchObject({ external_id: "phone:+905327654321", address: publicSample.payload.conversation_uuid, display_name: "Şebnem Öztürk" });

    // The same bytes again, and the same message laid out differently: nothing new.
    expect((await post(account.key, publicSample)).status).toBe(200);
    const { payload } = publicSample;
    const relaid = `{"payload": {"agent": null, "customer": {"phone_number": "${payload.customer.phone_number}", "name": "${payload.customer.name}"}, "content": "${payload.content}", "conversation_uuid": "${payload.conversation_uuid}"},\n "channel": {"uuid": "${CHANNEL}"}, "hook": "message.created"}`;
    expect((await post(account.key, relaid)).status).toBe(200);
    expect(await count("messages", "account_id = ?1", account.id)).toBe(1);
    expect(await count("inbound_events", "account_id = ?1", account.id)).toBe(1);

    // The customer's next message joins the same contact and ticket.
    expect((await post(account.key, { ...publicSample, payload: { ...payload, content: "Bir de fatura lazım 🧾" } })).status).toBe(200);
    expect(await count("messages", "account_id = ?1 AND ticket_id = ?2", account.id, msg.ticket_id)).toBe(2);
    expect(await count("contacts", "account_id = ?1", account.id)).toBe(1);
    expect(await count("tickets", "account_id = ?1", account.id)).toBe(1);
  });

  it("acknowledges an agent's panel message for a conversation it has no contact for, storing nothing but the receipt", async () => {
    expect((await post(account.key, panelAgent)).status).toBe(200);
    expect(await count("messages", "account_id = ?1", account.id)).toBe(0);
    expect(await count("contacts", "account_id = ?1", account.id)).toBe(0);
  });

  it("accepts channel-uuid signatures on an account set to channel_uuid, and then refuses raw-body ones", async () => {
    const other = await createAccount({ provider: "connexease", queueId, credentials: creds, settings: { ...settings, signatureMode: "channel_uuid" } });
    expect((await post(other.key, messageText, "channel_uuid")).status).toBe(200);
    expect((await post(other.key, messageGerman, "raw_body")).status).toBe(401);
    expect(await count("messages", "account_id = ?1", other.id)).toBe(1);
  });

  it("acknowledges an authentic event it does not handle, storing only the receipt", async () => {
    const res = await post(account.key, conversationAssigned);
    expect(res.status).toBe(200);
    expect(await count("messages", "account_id = ?1", account.id)).toBe(0);
    expect(await count("inbound_events", "account_id = ?1 AND event_key LIKE 'conversation.assigned:%'", account.id)).toBe(1);
    expect((await post(account.key, conversationAssigned)).status).toBe(200);
    expect(await count("inbound_events", "account_id = ?1", account.id)).toBe(1);
  });

  it("acknowledges and ignores a message of another channel", async () => {
    const res = await post(account.key, { ...messageText, channel: { uuid: "99999999-0000-0000-0000-000000000000" } });
    expect(res.status).toBe(200);
    expect(await count("messages", "account_id = ?1", account.id)).toBe(0);
    expect(await count("contacts", "account_id = ?1", account.id)).toBe(0);
  });

  describe("rejects and stores nothing", () => {
    it("401 for a wrong signature, recording the failure on the account", async () => {
      const good = await connexeaseSignature(creds.webhookSecret, enc.encode(JSON.stringify(messageText)));
      const sameLength = good.slice(0, 3) + (good[3] === "A" ? "B" : "A") + good.slice(4);
      const res = await post(account.key, messageText, sameLength);
      expect(res.status).toBe(401);
      expect(await res.json()).toEqual({ error: { code: "unauthorized", message: "Webhook authentication failed" } });
      expect(await count("messages", "account_id = ?1", account.id)).toBe(0);
      expect(await count("contacts", "account_id = ?1", account.id)).toBe(0);
      expect(await count("inbound_events", "account_id = ?1", account.id)).toBe(0);
      expect((await row("SELECT last_auth_failure FROM channel_accounts WHERE id = ?1", account.id)).last_auth_failure).toBe("signature mismatch");
    });

    it("401 without the signature header", async () => {
      const res = await post(account.key, messageText, null);
      expect(res.status).toBe(401);
      expect(await count("messages", "account_id = ?1", account.id)).toBe(0);
      expect((await row("SELECT last_auth_failure FROM channel_accounts WHERE id = ?1", account.id)).last_auth_failure).toBe("missing X-Connexease-Webhook-Sign");
    });

    it("400 for malformed JSON and for JSON that is not a Connexease webhook", async () => {
      const bad = await post(account.key, '{"hook":"message.created","payload":{');
      expect(bad.status).toBe(400);
      expect((await bad.json<any>()).error.code).toBe("malformed_json");
      const { conversation_uuid: _, ...noConversation } = messageText.payload;
      const wrong = await post(account.key, { ...messageText, payload: noConversation });
      expect(wrong.status).toBe(400);
      expect((await wrong.json<any>()).error.code).toBe("malformed_payload");
      expect(await count("inbound_events", "account_id = ?1", account.id)).toBe(0);
      expect(await count("messages", "account_id = ?1", account.id)).toBe(0);
    });

    it("404 for an unknown account key, and for a key of another provider kind", async () => {
      expect((await post("no-such-key", messageText)).status).toBe(404);
      const telegram = await createAccount({ provider: "telegram", queueId, credentials: { botToken: "1:x", secretToken: "s" }, settings: {} });
      expect((await post(telegram.key, messageText)).status).toBe(404);
      expect(await count("messages", "account_id IN (?1, ?2)", account.id, telegram.id)).toBe(0);
    });
  });
});

describe("Connexease events on a ticket an agent holds", () => {
  let queueId: string;
  let account: { id: string; key: string };
  let agent: AgentClient;
  let agentId: string;
  let ticketId: number;

  beforeEach(async () => {
    queueId = await createQueue();
    account = await createAccount({ provider: "connexease", queueId, credentials: creds, settings });
    const user = await createUser({ queues: [queueId] });
    agentId = user.id;
    agent = await AgentClient.connect(user.token, queueId);
    expect((await post(account.key, messageText)).status).toBe(200);
    ticketId = (await agent.next("offer")).ticket.id;
    agent.send({ type: "accept", ticketId });
    await agent.next("ticket.assigned");
  });

  afterEach(async () => {
    agent.close();
    await fireTimers(queueId).catch(() => undefined);
  });

  it("records an agent-originated message.created as outbound (echo), tells the agent, and stores nothing on a retry", async () => {
    expect((await post(account.key, messageAgent)).status).toBe(200);
    const out = await row("SELECT * FROM messages WHERE provider_message_id = ?1", AGENT_MESSAGE_ID);
    expect(out).toMatchObject({
      ticket_id: ticketId,
      direction: "out",
      body: "Siparişiniz yarın teslim edilecek 🚚",
      status: "sent",
      author_id: null,
      sent_at: Date.UTC(2026, 0, 1, 10, 5, 0, 120),
    });
    const frame = await agent.next("message");
    expect(frame.message).toMatchObject({ id: out.id, ticketId, direction: "out", body: "Siparişiniz yarın teslim edilecek 🚚", status: "sent" });

    expect((await post(account.key, messageAgent)).status).toBe(200);
    expect(await count("messages", "ticket_id = ?1 AND direction = 'out'", ticketId)).toBe(1);
    expect(await count("messages", "account_id = ?1", account.id)).toBe(2);
  });

  it("folds the echo of a reply the hub sent into that reply, whether it comes after the send's answer or before", async () => {
    const sent = await row(
      "INSERT INTO messages (account_id, ticket_id, direction, author_id, body, status, provider_message_id) VALUES (?1, ?2, 'out', ?3, ?4, 'sent', ?5) RETURNING id",
      account.id, ticketId, agentId, messageAgent.payload.content, AGENT_MESSAGE_ID,
    );
    expect((await post(account.key, messageAgent)).status).toBe(200);
    expect(await count("messages", "ticket_id = ?1 AND direction = 'out'", ticketId)).toBe(1);

    const pending = await row(
      "INSERT INTO messages (account_id, ticket_id, direction, author_id, body, status) VALUES (?1, ?2, 'out', ?3, 'Kargo kodunuz: TR-4711 ✅', 'sending') RETURNING id",
      account.id, ticketId, agentId,
    );
    const early = { ...messageAgent, payload: { ...messageAgent.payload, uuid: "echo-before-answer", content: "Kargo kodunuz: TR-4711 ✅" } };
    expect((await post(account.key, early)).status).toBe(200);
    expect(await count("messages", "ticket_id = ?1 AND direction = 'out'", ticketId)).toBe(2);
    expect((await row("SELECT provider_message_id FROM messages WHERE id = ?1", pending.id)).provider_message_id).toBe("echo-before-answer");
    expect((await row("SELECT status FROM messages WHERE id = ?1", sent.id)).status).toBe("sent");
  });

  it("takes an echo without a uuid for the hub's reply of the same text, sent or still awaiting its answer", async () => {
    const echoOf = (content: string) => ({ ...panelAgent, payload: { ...panelAgent.payload, conversation_uuid: CONVERSATION, content, agent: { uuid: "api-user", name: "Hub API" } } });
    await row(
      "INSERT INTO messages (account_id, ticket_id, direction, author_id, body, status, provider_message_id, created_at) VALUES (?1, ?2, 'out', ?3, ?4, 'sent', 'cx-5001', ?5) RETURNING id",
      account.id, ticketId, agentId, "İadeniz onaylandı ✅ Kodunuz: İADE-42", Date.now(),
    );
    expect((await post(account.key, echoOf("İadeniz onaylandı ✅ Kodunuz: İADE-42"))).status).toBe(200);
    expect(await count("messages", "ticket_id = ?1 AND direction = 'out'", ticketId)).toBe(1);

    const pending = await row(
      "INSERT INTO messages (account_id, ticket_id, direction, author_id, body, status) VALUES (?1, ?2, 'out', ?3, 'Kargo kodunuz: TR-4711 📦', 'sending') RETURNING id",
      account.id, ticketId, agentId,
    );
    expect((await post(account.key, echoOf("Kargo kodunuz: TR-4711 📦"))).status).toBe(200);
    expect(await count("messages", "ticket_id = ?1 AND direction = 'out'", ticketId)).toBe(2);
    expect((await row("SELECT provider_message_id FROM messages WHERE id = ?1", pending.id)).provider_message_id).toMatch(/^derived:/);

    // Text the hub never sent is an agent's own, from the panel.
    expect((await post(account.key, echoOf("Başka bir sorunuz var mı? 🙂"))).status).toBe(200);
    expect(await count("messages", "ticket_id = ?1 AND direction = 'out' AND author_id IS NULL", ticketId)).toBe(1);
  });

  it("moves a reply's status forward on message.state_changed, never back, and tells its author", async () => {
    const reply = await row(
      "INSERT INTO messages (account_id, ticket_id, direction, author_id, body, status, provider_message_id) VALUES (?1, ?2, 'out', ?3, 'Siparişiniz yarın teslim edilecek 🚚', 'sent', ?4) RETURNING id",
      account.id, ticketId, agentId, AGENT_MESSAGE_ID,
    );
    const status = async () => (await row("SELECT status, status_reason FROM messages WHERE id = ?1", reply.id));

    expect((await post(account.key, stateDelivered)).status).toBe(200);
    expect(await status()).toEqual({ status: "delivered", status_reason: null });
    expect(await agent.next("delivery")).toMatchObject({ ticketId, messageId: reply.id, status: "delivered", reason: null });

    // An older state arriving late, and a retry of the same state, change nothing.
    expect((await post(account.key, stateSent)).status).toBe(200);
    expect((await post(account.key, stateDelivered)).status).toBe(200);
    expect(await status()).toEqual({ status: "delivered", status_reason: null });

    expect((await post(account.key, stateRead)).status).toBe(200);
    expect(await status()).toEqual({ status: "read", status_reason: null });
    expect(await agent.next("delivery")).toMatchObject({ messageId: reply.id, status: "read" });

    // A failure reported after read is stale.
    expect((await post(account.key, stateFailed)).status).toBe(200);
    expect(await status()).toEqual({ status: "read", status_reason: null });
    expect(agent.all("delivery")).toHaveLength(2);
  });

  it("marks a reply failed with Connexease's error", async () => {
    const reply = await row(
      "INSERT INTO messages (account_id, ticket_id, direction, author_id, body, status, provider_message_id) VALUES (?1, ?2, 'out', ?3, 'x', 'sent', ?4) RETURNING id",
      account.id, ticketId, agentId, AGENT_MESSAGE_ID,
    );
    expect((await post(account.key, stateFailed)).status).toBe(200);
    expect(await row("SELECT status, status_reason FROM messages WHERE id = ?1", reply.id)).toEqual({
      status: "failed",
      status_reason: stateFailed.payload.error,
    });
    expect(await agent.next("delivery")).toMatchObject({ messageId: reply.id, status: "failed", reason: stateFailed.payload.error });
  });

  it("records a message an agent wrote in Connexease's panel (customer null, no uuid) as outbound on the conversation's ticket, once", async () => {
    const body = { ...panelAgent, payload: { ...panelAgent.payload, conversation_uuid: CONVERSATION } };
    expect((await post(account.key, body)).status).toBe(200);
    const out = await row("SELECT * FROM messages WHERE account_id = ?1 AND direction = 'out'", account.id);
    expect(out).toMatchObject({ ticket_id: ticketId, body: "Kargonuz yola çıktı, yarın kapınızda 🚚✨", status: "sent", author_id: null });
    expect(out.provider_message_id).toMatch(/^derived:/);
    const frame = await agent.next("message");
    expect(frame.message).toMatchObject({ id: out.id, ticketId, direction: "out", body: "Kargonuz yola çıktı, yarın kapınızda 🚚✨" });

    expect((await post(account.key, body)).status).toBe(200);
    expect(await count("messages", "ticket_id = ?1 AND direction = 'out'", ticketId)).toBe(1);
    expect(await count("contacts", "account_id = ?1", account.id)).toBe(1);
  });

  it("shows a story mention's media live to the agent but stores only that it happened", async () => {
    expect((await post(account.key, storyMention)).status).toBe(200);
    const frame = await agent.next("message");
    expect(frame.ephemeral).toEqual({ kind: "story_mention", url: storyMention.payload.url });
    const stored = await row("SELECT attachments FROM messages WHERE provider_message_id = ?1", storyMention.payload.uuid);
    expect(JSON.parse(stored.attachments)).toEqual([{ kind: "story_mention" }]);
    expect(await count("messages", "attachments LIKE '%lookaside%'")).toBe(0);
  });
});
