import { describe, expect, it } from "vitest";
import { ApiError } from "../../../src/errors";
import { failureReason, mediaAttachment, normalizeSinchCallback, OUTSIDE_WINDOW_REASON, timeOf } from "../../../src/providers/sinch/normalize";
import type { InboundEvent } from "../../../src/providers/types";
import contactCreate from "../../fixtures/sinch/contact-create.json";
import conversationStart from "../../fixtures/sinch/conversation-start.json";
import delivered from "../../fixtures/sinch/delivery-delivered.json";
import failedNotReachable from "../../fixtures/sinch/delivery-failed-not-reachable.json";
import failedWindow from "../../fixtures/sinch/delivery-failed-window.json";
import queuedOnChannel from "../../fixtures/sinch/delivery-queued-on-channel.json";
import read from "../../fixtures/sinch/delivery-read.json";
import switching from "../../fixtures/sinch/delivery-switching-channel.json";
import composing from "../../fixtures/sinch/event-inbound-composing.json";
import choice from "../../fixtures/sinch/inbound-choice-response.json";
import fallback from "../../fixtures/sinch/inbound-fallback.json";
import location from "../../fixtures/sinch/inbound-location.json";
import mediaCard from "../../fixtures/sinch/inbound-media-card.json";
import documentMsg from "../../fixtures/sinch/inbound-media-document.json";
import image from "../../fixtures/sinch/inbound-media-image.json";
import voice from "../../fixtures/sinch/inbound-media-voice.json";
import sms from "../../fixtures/sinch/inbound-sms.json";
import textReply from "../../fixtures/sinch/inbound-text-reply.json";
import text from "../../fixtures/sinch/inbound-text.json";
import echo from "../../fixtures/sinch/outbound-echo.json";
import { APP_ID } from "./helpers";

const NOW = 1_800_000_000_000;
const zeynep = { externalId: "905321234567", address: "905321234567", displayName: "905321234567" };

function only(body: unknown, nonce?: string): InboundEvent {
  const events = normalizeSinchCallback(body, { appId: APP_ID, nonce, now: NOW });
  expect(events).toHaveLength(1);
  return events[0]!;
}

function attachmentsOf(body: unknown) {
  const e = only(body);
  if (e.kind !== "message") throw new Error(`not a message: ${e.kind}`);
  return e.attachments;
}

function malformed(body: unknown) {
  try {
    normalizeSinchCallback(body, { appId: APP_ID, now: NOW });
  } catch (err) {
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).status).toBe(400);
    expect((err as ApiError).code).toBe("malformed_payload");
    return;
  }
  throw new Error("expected malformed_payload");
}

describe("normalizeSinchCallback: inbound messages (MESSAGE_INBOUND, TO_APP)", () => {
  it("maps a WhatsApp text with Turkish letters and emoji", () => {
    expect(only(text)).toEqual({
      kind: "message",
      eventKey: "message:01HQ80A3R7Y1T5K9W2N4B6M8CD",
      providerMessageId: "01HQ80A3R7Y1T5K9W2N4B6M8CD",
      contact: zeynep,
      text: "Merhaba, siparişim nerede? Kargo takip numarası çalışmıyor 📦🙏",
      attachments: [],
      sentAt: Date.UTC(2026, 0, 14, 9, 15, 42, 318),
    });
  });

  it("maps a German reply with umlauts: replyTo from reply_to, sentAt from accept_time when event_time is absent", () => {
    expect(only(textReply)).toEqual({
      kind: "message",
      eventKey: "message:01HQ81C9F4D2H6J8L0N3P5R7TV",
      providerMessageId: "01HQ81C9F4D2H6J8L0N3P5R7TV",
      contact: { externalId: "+4915112345678", address: "+4915112345678", displayName: "+4915112345678" },
      text: "Grüße aus München! Wann kommt mein Päckchen? Danke schön 😊",
      attachments: [],
      sentAt: Date.UTC(2026, 0, 14, 10, 2, 17, 554),
      replyTo: "01HQ80Z8B3C5E7G9J1L3N5Q7SU",
    });
  });

  it("maps a media message to an attachment whose kind comes from the URL's extension", () => {
    expect(only(image)).toMatchObject({ kind: "message", text: "", contact: zeynep });
    expect(attachmentsOf(image)).toEqual([
      { kind: "image", ref: "https://eu.conversation.api.sinch.com/media/01HQ82D0G5E3J7K9M1P4R6T8VW/IMG-20260114-WA0003.jpg", name: "IMG-20260114-WA0003.jpg" },
    ]);
    expect(attachmentsOf(voice)).toEqual([
      { kind: "audio", ref: "https://eu.conversation.api.sinch.com/media/01HQ84F2J7G5L9M1P3R6T8V0XY/sesli%20mesaj.ogg", name: "sesli mesaj.ogg" },
    ]);
  });

  it("names a document by filename_override and takes its kind from there when the URL has no extension", () => {
    expect(attachmentsOf(documentMsg)).toEqual([
      { kind: "file", ref: "https://eu.conversation.api.sinch.com/media/01HQ83E1H6F4K8L0N2Q5S7U9WX/document", name: "Rechnung_März_2026.pdf" },
    ]);
  });

  it("maps a media card: the caption is the text, the media an attachment", () => {
    const e = only(mediaCard);
    expect(e).toMatchObject({ kind: "message", text: "Kutu ezik geldi, fotoğraf ekte 📷" });
    expect(attachmentsOf(mediaCard)).toEqual([
      { kind: "image", ref: "https://eu.conversation.api.sinch.com/media/01HQ85G3K8H6M0N2Q4S7U9W1YZ/hasarli-kutu.png", name: "hasarli-kutu.png" },
    ]);
  });

  it("maps a location to a location attachment \"lat,long\" named by its title", () => {
    expect(attachmentsOf(location)).toEqual([{ kind: "location", ref: "40.991779,29.023485", name: "Kadıköy İskelesi" }]);
    const labelled = structuredClone(location);
    labelled.message.contact_message.location_message.title = "";
    labelled.message.contact_message.location_message.label = "Ev";
    expect(attachmentsOf(labelled)).toEqual([{ kind: "location", ref: "40.991779,29.023485", name: "Ev" }]);
  });

  it("records a button answer and content Sinch could not transcode as `other` attachments", () => {
    expect(attachmentsOf(choice)).toEqual([{ kind: "other", name: "choice_response", ref: "iade_talebi" }]);
    expect(attachmentsOf(fallback)).toEqual([{ kind: "other", name: "unsupported (UNSUPPORTED_OPERATION)" }]);
  });

  it("ignores a message on another channel of the same app", () => {
    expect(only(sms)).toEqual({ kind: "ignored", eventKey: "message:01HQ89L7P2M0R4S6U8W1Y3A5CD", description: "message on the SMS channel (only WhatsApp is handled)" });
  });

  it("ignores a callback of another Sinch app", () => {
    const other = { ...text, app_id: "01OTHERAPP000000000000000" };
    expect(only(other)).toMatchObject({ kind: "ignored", eventKey: "message:01HQ80A3R7Y1T5K9W2N4B6M8CD", description: expect.stringContaining("another Sinch app") });
  });

  it("ignores a message without content the hub handles", () => {
    const empty = structuredClone(text) as any;
    empty.message.contact_message = {};
    expect(only(empty)).toMatchObject({ kind: "ignored", eventKey: "message:01HQ80A3R7Y1T5K9W2N4B6M8CD" });
  });
});

describe("normalizeSinchCallback: echoes (direction TO_CONTACT)", () => {
  it("maps a message the business sent as an echo to the contact, keyed apart from inbound messages", () => {
    expect(only(echo)).toEqual({
      kind: "echo",
      eventKey: "echo:01HQ8AM8Q3N1S5T7V9X2Z4B6DE",
      providerMessageId: "01HQ8AM8Q3N1S5T7V9X2Z4B6DE",
      contact: zeynep,
      text: "Siparişiniz yarın teslim edilecek 🚚",
      attachments: [],
      sentAt: Date.UTC(2026, 0, 14, 9, 15, 42, 318),
    });
  });
});

describe("normalizeSinchCallback: delivery reports (MESSAGE_DELIVERY)", () => {
  const id = "01HQ8BN9R4P2T6U8W0Y3A5C7EF";

  it("maps DELIVERED and READ, each with its own event key and the channel's time", () => {
    expect(only(delivered)).toEqual({ kind: "status", eventKey: `status:${id}:DELIVERED`, providerMessageId: id, status: "delivered", at: Date.UTC(2026, 0, 14, 9, 20, 5, 402) });
    expect(only(read)).toEqual({ kind: "status", eventKey: `status:${id}:READ`, providerMessageId: id, status: "read", at: Date.UTC(2026, 0, 14, 9, 21, 40, 7) });
  });

  it("maps FAILED with OUTSIDE_ALLOWED_SENDING_WINDOW to WhatsApp's 24-hour window", () => {
    expect(only(failedWindow)).toEqual({
      kind: "status",
      eventKey: "status:01HQ8CP0S5Q3U7V9X1Z4B6D8FG:FAILED",
      providerMessageId: "01HQ8CP0S5Q3U7V9X1Z4B6D8FG",
      status: "failed",
      reason: "outside WhatsApp's 24-hour window (Sinch OUTSIDE_ALLOWED_SENDING_WINDOW)",
      at: Date.UTC(2026, 0, 14, 9, 20, 5, 402),
    });
    expect(OUTSIDE_WINDOW_REASON).toBe("outside WhatsApp's 24-hour window (Sinch OUTSIDE_ALLOWED_SENDING_WINDOW)");
  });

  it("maps other FAILED reports with Sinch's description and code", () => {
    expect(only(failedNotReachable)).toMatchObject({
      kind: "status",
      status: "failed",
      reason: "The underlying channel reported: Message undeliverable (Sinch RECIPIENT_NOT_REACHABLE)",
    });
    expect(failureReason({ code: "CHANNEL_FAILURE" })).toBe("Sinch CHANNEL_FAILURE");
    expect(failureReason(undefined)).toBe("failed (Sinch gave no reason)");
  });

  it("ignores QUEUED_ON_CHANNEL and SWITCHING_CHANNEL", () => {
    expect(only(queuedOnChannel)).toEqual({ kind: "ignored", eventKey: `status:${id}:QUEUED_ON_CHANNEL`, description: "delivery report QUEUED_ON_CHANNEL" });
    expect(only(switching)).toEqual({ kind: "ignored", eventKey: `status:${id}:SWITCHING_CHANNEL`, description: "delivery report SWITCHING_CHANNEL" });
  });
});

describe("normalizeSinchCallback: other triggers", () => {
  it("ignores notifications, keyed by the id they name", () => {
    expect(only(conversationStart)).toEqual({
      kind: "ignored",
      eventKey: "conversation_start_notification:01HQ80A3M2S6V8XR1F4KJ7C9TB",
      description: "conversation_start_notification callback",
    });
    expect(only(contactCreate)).toEqual({
      kind: "ignored",
      eventKey: "contact_create_notification:01HQ80A3JX2B7W5N9E6D1G3PQA",
      description: "contact_create_notification callback",
    });
  });

  it("keys an ignored callback without an id by the request's nonce", () => {
    expect(only(composing, "01NONCE")).toEqual({ kind: "ignored", eventKey: "event:nonce:01NONCE", description: "event callback" });
    expect(only({ app_id: APP_ID, accepted_time: "2026-01-14T09:00:00Z", brand_new_notification: { x: 1 } }, "n2")).toEqual({
      kind: "ignored",
      eventKey: "brand_new_notification:nonce:n2",
      description: "brand_new_notification callback",
    });
  });
});

describe("normalizeSinchCallback: malformed", () => {
  it("refuses what is not a Conversation API callback", () => {
    malformed(null);
    malformed([]);
    malformed("message");
    malformed({ message: { id: "x" } }); // no app_id
  });

  it("refuses a message without id or channel identity, and a report without status", () => {
    malformed({ ...text, message: { ...text.message, id: undefined } });
    malformed({ ...text, message: { ...text.message, channel_identity: undefined } });
    malformed({ ...delivered, message_delivery_report: { ...delivered.message_delivery_report, status: undefined } });
    malformed({ ...text, message: { ...text.message, contact_message: { text_message: { text: 42 } } } });
  });
});

describe("helpers", () => {
  it("parses Sinch's times with micro- and nanoseconds", () => {
    expect(timeOf("2022-02-07T20:01:09.892757478Z")).toBe(Date.UTC(2022, 1, 7, 20, 1, 9, 892));
    expect(timeOf("2020-11-16T08:17:44.993024Z")).toBe(Date.UTC(2020, 10, 16, 8, 17, 44, 993));
    expect(timeOf("2020-11-17T16:05:45Z")).toBe(Date.UTC(2020, 10, 17, 16, 5, 45));
    expect(timeOf("not a time")).toBeUndefined();
  });

  it("infers media kinds from extensions", () => {
    expect(mediaAttachment("https://x.test/a/b.MP4?sig=1").kind).toBe("video");
    expect(mediaAttachment("https://x.test/s.webp").kind).toBe("sticker");
    expect(mediaAttachment("https://x.test/v.opus").kind).toBe("audio");
    expect(mediaAttachment("https://x.test/noext")).toEqual({ kind: "file", ref: "https://x.test/noext", name: "noext" });
  });
});
