import { describe, expect, it } from "vitest";
import { ApiError } from "../../../src/errors";
import { derivedMessageId, normalizeConnexease, stateMapping, timeOf } from "../../../src/providers/connexease/normalize";
import type { InboundEvent } from "../../../src/providers/types";
import conversationArchived from "../../fixtures/connexease/conversation-archived.json";
import conversationAssigned from "../../fixtures/connexease/conversation-assigned.json";
import conversationCreated from "../../fixtures/connexease/conversation-created.json";
import customerUpdated from "../../fixtures/connexease/customer-updated.json";
import messageAgent from "../../fixtures/connexease/message-agent.json";
import messageAttachments from "../../fixtures/connexease/message-attachments.json";
import messageGerman from "../../fixtures/connexease/message-german.json";
import panelAgent from "../../fixtures/connexease/message-panel-agent.json";
import publicSample from "../../fixtures/connexease/message-public-sample.json";
import messageImage from "../../fixtures/connexease/message-image.json";
import privateNote from "../../fixtures/connexease/message-private-note.json";
import storyMention from "../../fixtures/connexease/message-story-mention.json";
import messageSystem from "../../fixtures/connexease/message-system.json";
import messageText from "../../fixtures/connexease/message-text.json";
import stateDelivered from "../../fixtures/connexease/state-delivered.json";
import stateFailed from "../../fixtures/connexease/state-failed.json";
import statePending from "../../fixtures/connexease/state-pending.json";
import stateRead from "../../fixtures/connexease/state-read.json";
import stateSent from "../../fixtures/connexease/state-sent.json";
import { CHANNEL, CONVERSATION } from "./helpers";

const NOW = 1_800_000_000_000;
const opts = { channelId: CHANNEL, now: NOW, bodyDigest: "d1g3st" };

const ayse = {
  externalId: "48213",
  address: CONVERSATION,
  displayName: "Ayşe Yılmaz",
  username: "ayse.yilmaz",
};

function only(body: unknown): InboundEvent {
  const events = normalizeConnexease(body, opts);
  expect(events).toHaveLength(1);
  return events[0]!;
}

/** The text fixture with `payload` fields replaced. */
function message(payload: Record<string, unknown>) {
  return { ...messageText, payload: { ...messageText.payload, ...payload } };
}

function attachmentsOf(body: unknown) {
  const event = only(body);
  if (event.kind !== "message" && event.kind !== "echo") throw new Error(`not a message: ${event.kind}`);
  return event.attachments;
}

describe("normalizeConnexease: customer messages", () => {
  it("maps a customer's message.created: contact from the customer, address = the conversation uuid", () => {
    expect(only(messageText)).toEqual({
      kind: "message",
      eventKey: "message:5b0e2a8c-1d4f-4e9a-8c3b-7f6a2d1e0c01",
      providerMessageId: "5b0e2a8c-1d4f-4e9a-8c3b-7f6a2d1e0c01",
      contact: ayse,
      text: "Merhaba, siparişim nerede? 📦",
      attachments: [],
      sentAt: Date.UTC(2026, 0, 1, 10, 0, 0, 300),
    });
  });

  it("keeps German umlauts and emoji, and falls back to the name when there is no username", () => {
    expect(only(messageGerman)).toEqual({
      kind: "message",
      eventKey: "message:5b0e2a8c-1d4f-4e9a-8c3b-7f6a2d1e0c02",
      providerMessageId: "5b0e2a8c-1d4f-4e9a-8c3b-7f6a2d1e0c02",
      contact: { externalId: "51007", address: "0c9e8d7f-6a5b-4c3d-8e2f-1a0b9c8d7e6f", displayName: "Jürgen Müller" },
      text: "Grüße aus Köln! Können Sie mir bei der Rücksendung helfen? 🙏",
      attachments: [],
      sentAt: Date.UTC(2026, 0, 1, 11, 30),
    });
  });

  it("names the contact by username, then phone number, then id; takes a uuid when there is no id", () => {
    const contactOf = (customer: Record<string, unknown>) => {
      const event = only(message({ customer }));
      if (event.kind !== "message") throw new Error(event.kind);
      return event.contact;
    };
    expect(contactOf({ id: 1, name: " ", username: "ali_k" })).toEqual({ externalId: "1", address: CONVERSATION, displayName: "ali_k", username: "ali_k" });
    expect(contactOf({ id: "c-2", phone_number: "+905551112233" })).toEqual({ externalId: "c-2", address: CONVERSATION, displayName: "+905551112233" });
    expect(contactOf({ uuid: "u-3" })).toEqual({ externalId: "u-3", address: CONVERSATION, displayName: "u-3" });
    expect(contactOf({ id: 4, name: "Ali", language: "tr" })).toEqual({ externalId: "4", address: CONVERSATION, displayName: "Ali", language: "tr" });
  });

  it("uses a numeric message id when there is no uuid", () => {
    const { uuid: _, ...rest } = messageText.payload;
    expect(only({ ...messageText, payload: { ...rest, id: 99017 } })).toMatchObject({ kind: "message", eventKey: "message:99017", providerMessageId: "99017" });
  });

  it("maps an image message: caption as text, the URL as ref", () => {
    expect(only(messageImage)).toMatchObject({ kind: "message", text: "Kutu hasarlı geldi 😞", sentAt: Date.UTC(2026, 0, 1, 10, 1, 12) });
    expect(attachmentsOf(messageImage)).toEqual([{ kind: "image", ref: "https://media.connexease.example/c/8d2b6c1e/kutu.jpg" }]);
  });

  it("maps an attachments list by type: file, voice → audio, location, unknown → other named by its type", () => {
    expect(only(messageAttachments)).toMatchObject({ kind: "message", text: "" });
    expect(attachmentsOf(messageAttachments)).toEqual([
      { kind: "file", ref: "https://media.connexease.example/c/8d2b6c1e/fatura.pdf", name: "fatura-2026-001.pdf", mimeType: "application/pdf", size: 254310 },
      { kind: "audio", ref: "https://media.connexease.example/c/8d2b6c1e/ses.ogg", mimeType: "audio/ogg" },
      { kind: "location", ref: "https://maps.example/?q=41.0082,28.9784" },
      { kind: "other", name: "carousel" },
    ]);
  });

  it.each([
    ["video", "video"],
    ["audio", "audio"],
    ["document", "file"],
    ["sticker", "sticker"],
    ["contact", "contact"],
    ["share", "share"],
    ["ig_reel", "reel"],
    ["PHOTO", "image"],
  ])("maps a %s message to a %s attachment", (type, kind) => {
    expect(attachmentsOf(message({ type, content: "", url: "https://m.example/x" }))).toEqual([{ kind, ref: "https://m.example/x" }]);
  });

  it("records a story mention without its media URL, passing the URL only as ephemeral", () => {
    const event = only(storyMention);
    expect(event).toEqual({
      kind: "message",
      eventKey: "message:5b0e2a8c-1d4f-4e9a-8c3b-7f6a2d1e0c05",
      providerMessageId: "5b0e2a8c-1d4f-4e9a-8c3b-7f6a2d1e0c05",
      contact: ayse,
      text: "",
      attachments: [{ kind: "story_mention" }],
      sentAt: Date.UTC(2026, 0, 1, 10, 3),
      ephemeral: { kind: "story_mention", url: "https://lookaside.fbsbx.example/ig_messaging_cdn/?asset_id=1789" },
    });
  });

  it("takes the public sample's shape (customer with name and phone only, no message uuid): contact by phone, a derived id", () => {
    const event = only(publicSample);
    expect(event).toEqual({
      kind: "message",
      eventKey: `message:${derivedMessageId(publicSample.payload)}`,
      providerMessageId: derivedMessageId(publicSample.payload),
      contact: { externalId: "phone:+905327654321", address: "6a7b8c9d-0e1f-4a2b-8c3d-4e5f6a7b8c9d", displayName: "Şebnem Öztürk" },
      text: "Merhaba, kargom nerede? Sipariş no 4711 📦",
      attachments: [],
      sentAt: NOW,
    });
    expect(event.eventKey).toMatch(/^message:derived:[0-9a-f]{28}$/);
  });

  it("names a customer with neither id nor phone number by the conversation", () => {
    const event = only(message({ uuid: undefined, customer: { name: "Ayşe Yılmaz" } }));
    expect(event).toMatchObject({ kind: "message", contact: { externalId: `conversation:${CONVERSATION}`, address: CONVERSATION, displayName: "Ayşe Yılmaz" } });
    expect(only(message({ customer: { phone_number: "+49 221 1234567" } }))).toMatchObject({
      contact: { externalId: "phone:+492211234567", displayName: "+49 221 1234567" },
    });
  });

  it("derives the same id for a resend however its JSON is laid out, and a different one for a different message", () => {
    const reordered = JSON.parse(JSON.stringify({ payload: { agent: null, customer: publicSample.payload.customer, content: publicSample.payload.content, conversation_uuid: publicSample.payload.conversation_uuid }, channel: publicSample.channel, hook: "message.created" }));
    const resent = normalizeConnexease(reordered, { ...opts, bodyDigest: "other-bytes", now: NOW + 60_000 })[0]!;
    expect(resent.eventKey).toBe(only(publicSample).eventKey);

    const keyOf = (payload: Record<string, unknown>) => only({ ...publicSample, payload: { ...publicSample.payload, ...payload } }).eventKey;
    const keys = [
      only(publicSample).eventKey,
      keyOf({ content: "Merhaba, kargom nerede? Sipariş no 4712 📦" }),
      keyOf({ conversation_uuid: CONVERSATION }),
      keyOf({ created_at: "2026-01-01 10:00:00+00:00" }),
      keyOf({ created_at: "2026-01-01 10:00:01+00:00" }),
      keyOf({ type: "image", url: "https://media.connexease.example/a.jpg" }),
      keyOf({ type: "image", url: "https://media.connexease.example/b.jpg" }),
    ];
    expect(new Set(keys).size).toBe(keys.length);
  });

  it("falls back to the receipt time when the payload carries no time", () => {
    const { created_at: _, ...rest } = messageText.payload;
    expect(only({ ...messageText, payload: rest })).toMatchObject({ kind: "message", sentAt: NOW });
  });
});

describe("normalizeConnexease: agent messages (echoes)", () => {
  it("maps a message.created carrying an agent to an echo filed under the customer", () => {
    expect(only(messageAgent)).toEqual({
      kind: "echo",
      eventKey: "echo:5b0e2a8c-1d4f-4e9a-8c3b-7f6a2d1e0c10",
      providerMessageId: "5b0e2a8c-1d4f-4e9a-8c3b-7f6a2d1e0c10",
      contact: ayse,
      text: "Siparişiniz yarın teslim edilecek 🚚",
      attachments: [],
      sentAt: Date.UTC(2026, 0, 1, 10, 5, 0, 120),
    });
  });

  it("marks only an echo without its own id as derived", () => {
    expect(only(messageAgent)).not.toHaveProperty("idDerived");
    expect(only(message({ uuid: undefined, agent: { uuid: "a" } }))).toMatchObject({ kind: "echo", idDerived: true, contact: ayse });
  });

  it("treats an agent given as a bare id as an agent too", () => {
    expect(only(message({ agent: 17 }))).toMatchObject({ kind: "echo", eventKey: "echo:5b0e2a8c-1d4f-4e9a-8c3b-7f6a2d1e0c01" });
  });

  it("maps an agent's message written in Connexease's panel (customer null) to an echo filed by the conversation", () => {
    const event = only(panelAgent);
    expect(event).toEqual({
      kind: "echo",
      eventKey: `echo:${derivedMessageId(panelAgent.payload)}`,
      providerMessageId: derivedMessageId(panelAgent.payload),
      contact: { externalId: "conversation:6a7b8c9d-0e1f-4a2b-8c3d-4e5f6a7b8c9d", address: "6a7b8c9d-0e1f-4a2b-8c3d-4e5f6a7b8c9d", displayName: "conversation:6a7b8c9d-0e1f-4a2b-8c3d-4e5f6a7b8c9d" },
      contactBy: "address",
      idDerived: true,
      text: "Kargonuz yola çıktı, yarın kapınızda 🚚✨",
      attachments: [],
      sentAt: NOW,
    });
    // The same words, in the same conversation, from the customer are another message.
    const fromCustomer = only({ ...panelAgent, payload: { ...panelAgent.payload, agent: null, customer: { name: "Şebnem Öztürk" } } });
    if (fromCustomer.kind !== "message" || event.kind !== "echo") throw new Error("expected a message and an echo");
    expect(fromCustomer.providerMessageId).not.toBe(event.providerMessageId);
  });

  it("uses distinct event keys for a message and an echo of the same id", () => {
    const asMessage = only(messageText);
    const asEcho = only(message({ agent: { uuid: "a" } }));
    expect(asMessage.eventKey).not.toBe(asEcho.eventKey);
  });
});

describe("normalizeConnexease: delivery states", () => {
  it.each([
    ["sent", stateSent, "sent"],
    ["delivered", stateDelivered, "delivered"],
    ["read", stateRead, "read"],
  ])("maps state %s", (_, body, status) => {
    expect(only(body)).toEqual({
      kind: "status",
      eventKey: `status:5b0e2a8c-1d4f-4e9a-8c3b-7f6a2d1e0c10:${status}`,
      providerMessageId: "5b0e2a8c-1d4f-4e9a-8c3b-7f6a2d1e0c10",
      status,
      at: Date.UTC(2026, 0, 1, 10, 7),
    });
  });

  it("maps failed with Connexease's error as the reason", () => {
    expect(only(stateFailed)).toEqual({
      kind: "status",
      eventKey: "status:5b0e2a8c-1d4f-4e9a-8c3b-7f6a2d1e0c10:failed",
      providerMessageId: "5b0e2a8c-1d4f-4e9a-8c3b-7f6a2d1e0c10",
      status: "failed",
      reason: "Message failed to send because more than 24 hours have passed since the customer last replied",
      at: Date.UTC(2026, 0, 1, 10, 7, 30),
    });
  });

  it("maps the assumed synonyms, case-insensitively, and reads `status` when there is no `state`", () => {
    expect(stateMapping).toMatchObject({ seen: "read", error: "failed", undelivered: "failed", server_ack: "sent", delivery_ack: "delivered" });
    const withStatus = { ...stateRead, payload: { uuid: "m-1", status: "SEEN" } };
    expect(only(withStatus)).toMatchObject({ kind: "status", status: "read", eventKey: "status:m-1:read", at: NOW });
  });

  it.each([
    ["pending", statePending],
    ["a numeric state", { ...stateRead, payload: { ...stateRead.payload, state: 2 } }],
  ])("ignores %s", (_, body) => {
    expect(only(body)).toEqual({ kind: "ignored", eventKey: "message.state_changed:d1g3st", description: expect.stringMatching(/not a delivery report/) });
  });
});

describe("normalizeConnexease: ignored events", () => {
  it.each([
    ["conversation.created", conversationCreated],
    ["conversation.assigned", conversationAssigned],
    ["conversation.archived", conversationArchived],
    ["customer.updated", customerUpdated],
    ["feedback.received", { hook: "feedback.received", channel: { uuid: CHANNEL }, payload: { score: 5 } }],
  ])("ignores %s, keyed by the body digest", (hook, body) => {
    expect(only(body)).toEqual({ kind: "ignored", eventKey: `${hook}:d1g3st`, description: `${hook} event` });
  });

  it("ignores a private note between agents", () => {
    expect(only(privateNote)).toEqual({ kind: "ignored", eventKey: "message.created:d1g3st", description: "private note 5b0e2a8c-1d4f-4e9a-8c3b-7f6a2d1e0c11" });
    expect(only(message({ is_private: true }))).toMatchObject({ kind: "ignored" });
  });

  it("ignores a message from neither a customer nor an agent", () => {
    expect(only(messageSystem)).toMatchObject({ kind: "ignored", description: expect.stringMatching(/neither a customer nor an agent/) });
  });

  it("ignores a message without text or attachments", () => {
    expect(only(message({ content: null, type: "text" }))).toMatchObject({ kind: "ignored", description: expect.stringMatching(/without text or attachments/) });
  });

  it("ignores events of another channel", () => {
    const body = { ...messageText, channel: { uuid: "99999999-0000-0000-0000-000000000000" } };
    expect(only(body)).toEqual({
      kind: "ignored",
      eventKey: "message.created:d1g3st",
      description: `message.created for channel 99999999-0000-0000-0000-000000000000, not this account's channel ${CHANNEL}`,
    });
  });
});

describe("normalizeConnexease: malformed payloads", () => {
  function rejects(body: unknown): ApiError {
    try {
      normalizeConnexease(body, opts);
    } catch (err) {
      expect(err).toBeInstanceOf(ApiError);
      const e = err as ApiError;
      expect(e.status).toBe(400);
      expect(e.code).toBe("malformed_payload");
      expect(Array.isArray(e.details)).toBe(true);
      return e;
    }
    throw new Error("expected a malformed_payload error");
  }

  it.each([
    ["null", null],
    ["an array", [messageText]],
    ["no hook", { channel: { uuid: CHANNEL }, payload: {} }],
    ["no channel", { hook: "message.created", payload: messageText.payload }],
    ["a payload that is not an object", { hook: "conversation.created", channel: { uuid: CHANNEL }, payload: "x" }],
    ["a state change without a state", { ...stateRead, payload: { uuid: "m-1" } }],
    ["a state change without a message id", { ...stateRead, payload: { state: "read" } }],
  ])("rejects %s", (_, body) => {
    rejects(body);
  });

  it("rejects a message without conversation_uuid and names the path", () => {
    const { conversation_uuid: _, ...rest } = messageText.payload;
    const err = rejects({ ...messageText, payload: rest });
    expect(err.details).toEqual(expect.arrayContaining([expect.objectContaining({ path: ["payload", "conversation_uuid"] })]));
  });
});

describe("timeOf", () => {
  it("reads Connexease's timestamps, ISO strings and epoch seconds or milliseconds", () => {
    expect(timeOf("2018-05-23 08:14:55.300273+00:00")).toBe(Date.UTC(2018, 4, 23, 8, 14, 55, 300));
    expect(timeOf("2018-05-23 11:14:55+03:00")).toBe(Date.UTC(2018, 4, 23, 8, 14, 55));
    expect(timeOf("2018-05-23T08:14:55.3+0000")).toBe(Date.UTC(2018, 4, 23, 8, 14, 55, 300));
    expect(timeOf("2018-05-23 08:14:55")).toBe(Date.UTC(2018, 4, 23, 8, 14, 55));
    expect(timeOf(1527063295)).toBe(1527063295000);
    expect(timeOf("1527063295300")).toBe(1527063295300);
  });

  it("skips what it cannot read and takes the next value", () => {
    expect(timeOf(null, "", "yesterday", undefined, "2018-05-23T08:14:55Z")).toBe(Date.UTC(2018, 4, 23, 8, 14, 55));
    expect(timeOf("yesterday")).toBeUndefined();
  });
});
