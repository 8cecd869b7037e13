import { describe, expect, it } from "vitest";
import { ApiError } from "../../../src/errors";
import { normalizeTwilioRequest } from "../../../src/providers/twilio/normalize";
import type { InboundEvent } from "../../../src/providers/types";
import document from "../../fixtures/twilio/inbound-document.json";
import image from "../../fixtures/twilio/inbound-image.json";
import location from "../../fixtures/twilio/inbound-location.json";
import reply from "../../fixtures/twilio/inbound-reply.json";
import sms from "../../fixtures/twilio/inbound-sms.json";
import german from "../../fixtures/twilio/inbound-text-german.json";
import text from "../../fixtures/twilio/inbound-text.json";
import video from "../../fixtures/twilio/inbound-video.json";
import voice from "../../fixtures/twilio/inbound-voice.json";
import canceled from "../../fixtures/twilio/status-canceled.json";
import delivered from "../../fixtures/twilio/status-delivered.json";
import failed63016 from "../../fixtures/twilio/status-failed-63016.json";
import queued from "../../fixtures/twilio/status-queued.json";
import read from "../../fixtures/twilio/status-read.json";
import sent from "../../fixtures/twilio/status-sent.json";
import undelivered from "../../fixtures/twilio/status-undelivered.json";
import { ACCOUNT_SID } from "./helpers";

const NOW = 1_790_000_000_000;


function only(params: Record<string, string>): InboundEvent {
  const events = normalizeTwilioRequest(params, { accountSid: ACCOUNT_SID }, NOW);
  expect(events).toHaveLength(1);
  return events[0]!;
}

function issuesOf(params: Record<string, string>): { code: string; details: unknown } {
  try {
    normalizeTwilioRequest(params, { accountSid: ACCOUNT_SID }, NOW);
  } catch (err) {
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).status).toBe(400);
    return { code: (err as ApiError).code, details: (err as ApiError).details };
  }
  throw new Error("expected an ApiError");
}

const ayse = { externalId: "905321234567", address: "whatsapp:+905321234567", displayName: "Ayşe Yılmaz" };
const jurgen = { externalId: "4915112345678", address: "whatsapp:+4915112345678", displayName: "Jürgen Müller" };

describe("normalizeTwilioRequest: incoming messages", () => {
  it("maps a text message: MessageSid keys it, WaId names the contact, From is where replies go", () => {
    expect(only(text)).toEqual({
      kind: "message",
      eventKey: `message:${text.MessageSid}`,
      providerMessageId: text.MessageSid,
      contact: ayse,
      text: "Merhaba, siparişim nerede? 📦 Şu an İstanbul'dayım.",
      attachments: [],
      sentAt: NOW,
    });
  });

  it("keeps German umlauts and emoji, and ignores parameters it does not read (ChannelMetadata)", () => {
    expect(only(german)).toMatchObject({ kind: "message", contact: jurgen, text: "Grüße aus München – wo bleibt meine Bestellung? Größe: XL 👕" });
  });

  it("falls back to From's number without '+' when WaId is absent, and to the number when ProfileName is", () => {
    const { WaId: _w, ProfileName: _p, ...bare } = text;
    expect(only(bare)).toMatchObject({ contact: { externalId: "905321234567", address: "whatsapp:+905321234567", displayName: "+905321234567" } });
    // The same customer with and without WaId is one contact.
    expect((only(bare) as { contact: { externalId: string } }).contact.externalId).toBe((only(text) as { contact: { externalId: string } }).contact.externalId);
  });

  it("maps an image with its caption", () => {
    expect(only(image)).toMatchObject({ kind: "message", text: "Kutu hasarlı geldi 😞", providerMessageId: image.MessageSid });
    expect((only(image) as { attachments: unknown }).attachments).toEqual([{ kind: "image", ref: image.MediaUrl0, mimeType: "image/jpeg" }]);
  });

  it("maps a voice note to audio, a video to video and a PDF to file, by content type", () => {
    expect(only(voice)).toMatchObject({ text: "", attachments: [{ kind: "audio", ref: voice.MediaUrl0, mimeType: "audio/ogg" }] });
    expect(only(video)).toMatchObject({ text: "Paketi açarken 🎥", attachments: [{ kind: "video", ref: video.MediaUrl0, mimeType: "video/mp4" }] });
    expect(only(document)).toMatchObject({ contact: jurgen, attachments: [{ kind: "file", ref: document.MediaUrl0, mimeType: "application/pdf" }] });
  });

  it("maps every MediaUrl{i} below NumMedia, in order", () => {
    const params = {
      ...text,
      NumMedia: "3",
      MediaUrl0: "https://api.twilio.com/m/0",
      MediaContentType0: "image/webp",
      MediaUrl1: "https://api.twilio.com/m/1",
      MediaContentType1: "text/vcard",
      MediaUrl2: "https://api.twilio.com/m/2",
      MediaUrl3: "https://api.twilio.com/m/3-beyond-NumMedia",
    };
    expect((only(params) as { attachments: unknown }).attachments).toEqual([
      { kind: "image", ref: "https://api.twilio.com/m/0", mimeType: "image/webp" },
      { kind: "file", ref: "https://api.twilio.com/m/1", mimeType: "text/vcard" },
      { kind: "file", ref: "https://api.twilio.com/m/2" },
    ]);
  });

  it("maps a shared location to `lat,long` named by its label (else its address)", () => {
    expect(only(location)).toMatchObject({ kind: "message", text: "", attachments: [{ kind: "location", ref: "41.008238,28.978359", name: "Ayasofya" }] });
    const { Label: _l, ...unlabelled } = location;
    expect((only(unlabelled) as { attachments: unknown }).attachments).toEqual([
      { kind: "location", ref: "41.008238,28.978359", name: "Sultan Ahmet, Ayasofya Meydanı No:1, 34122 Fatih/İstanbul" },
    ]);
  });

  it("carries the quoted message as replyTo", () => {
    expect(only(reply)).toMatchObject({ kind: "message", text: "Evet, bu adres doğru ✅", replyTo: reply.OriginalRepliedMessageSid });
  });

  it("takes a message by SmsStatus=received, by MessageStatus=received, or by Body/NumMedia alone", () => {
    const { SmsStatus: _s, ...withoutStatus } = text;
    expect(only(withoutStatus).kind).toBe("message");
    expect(only({ ...withoutStatus, MessageStatus: "received" }).kind).toBe("message");
    const { Body: _b, NumMedia: _n, ...onlyStatus } = text;
    expect(only(onlyStatus)).toMatchObject({ kind: "ignored", eventKey: `message:${text.MessageSid}` });
  });

  it("ignores a message on another channel (plain SMS to the same number)", () => {
    expect(only(sms)).toEqual({ kind: "ignored", eventKey: `message:${sms.MessageSid}`, description: "message on the sms channel: this account handles WhatsApp only" });
  });

  it("ignores a WhatsApp message with no text, media or location", () => {
    expect(only({ ...text, Body: "", MessageType: "unsupported" })).toMatchObject({ kind: "ignored", eventKey: `message:${text.MessageSid}` });
  });

  it("ignores a request for another Twilio account", () => {
    const other = "AC00000000000000000000000000000000";
    expect(only({ ...text, AccountSid: other })).toEqual({
      kind: "ignored",
      eventKey: `message:${text.MessageSid}`,
      description: `request for Twilio account ${other}, not ${ACCOUNT_SID}`,
    });
  });

  it("ignores an authentic request that is neither a message nor a status callback", () => {
    expect(only({ MessageSid: text.MessageSid, AccountSid: ACCOUNT_SID, ApiVersion: "2010-04-01" })).toEqual({
      kind: "ignored",
      eventKey: `request:${text.MessageSid}`,
      description: "Twilio request with neither a message nor a delivery status",
    });
  });
});

describe("normalizeTwilioRequest: status callbacks", () => {
  const sid = sent.MessageSid;

  it.each([
    ["sent", sent],
    ["delivered", delivered],
    ["read", read],
  ] as const)("maps %s, keyed by message and status", (status, params) => {
    expect(only(params)).toEqual({ kind: "status", eventKey: `status:${sid}:${status}`, providerMessageId: sid, status, at: NOW });
  });

  it("maps failed 63016 to failed, naming the 24-hour window", () => {
    expect(only(failed63016)).toEqual({
      kind: "status",
      eventKey: `status:${sid}:failed`,
      providerMessageId: sid,
      status: "failed",
      reason: "Twilio error 63016: outside WhatsApp's 24-hour window: a template is needed",
      at: NOW,
    });
  });

  it("maps undelivered to failed with Twilio's error code and message", () => {
    expect(only(undelivered)).toEqual({
      kind: "status",
      eventKey: `status:${sid}:undelivered`,
      providerMessageId: sid,
      status: "failed",
      reason: "Twilio error 63024: Invalid message recipient",
      at: NOW,
    });
    const { ErrorCode: _c, ErrorMessage: _m, ...bare } = undelivered;
    expect(only(bare)).toMatchObject({ status: "failed", reason: "Twilio reported the message undelivered" });
    expect(only({ ...bare, ErrorCode: "30008" })).toMatchObject({ reason: "Twilio error 30008" });
  });

  it.each(["queued", "accepted", "sending", "scheduled"])("ignores %s: nothing to move", (status) => {
    const params = status === "queued" ? queued : { ...sent, MessageStatus: status, SmsStatus: status };
    expect(only(params)).toEqual({
      kind: "ignored",
      eventKey: `status:${sid}:${status}`,
      description: `Twilio status "${status}": the reply is still on its way, nothing to move`,
    });
  });

  it("ignores a status the hub does not track (canceled, receiving, anything new)", () => {
    expect(only(canceled)).toEqual({ kind: "ignored", eventKey: `status:${sid}:canceled`, description: 'Twilio status "canceled" the hub does not track' });
    expect(only({ ...sent, MessageStatus: "receiving" })).toMatchObject({ kind: "ignored", eventKey: `status:${sid}:receiving` });
    expect(only({ ...sent, MessageStatus: "partially_delivered" })).toMatchObject({ kind: "ignored" });
  });

  it("gives each status of one message its own key, and the message itself another", () => {
    const keys = [sent, delivered, read, failed63016, undelivered].map((p) => only(p).eventKey);
    expect(new Set(keys).size).toBe(5);
    expect(keys).not.toContain(`message:${sid}`);
  });
});

describe("normalizeTwilioRequest: malformed", () => {
  it("requires MessageSid and AccountSid", () => {
    const { MessageSid: _m, ...noSid } = text;
    expect(issuesOf(noSid).code).toBe("malformed_payload");
    const { AccountSid: _a, ...noAccount } = text;
    expect(issuesOf(noAccount).code).toBe("malformed_payload");
    expect(issuesOf({}).code).toBe("malformed_payload");
  });

  it("requires From on a message", () => {
    const { From: _f, ...noFrom } = text;
    expect(issuesOf(noFrom)).toMatchObject({ code: "malformed_payload", details: [expect.objectContaining({ path: ["From"] })] });
  });

  it("refuses a NumMedia that is not a count, or one that names a MediaUrl missing or not a URL", () => {
    expect(issuesOf({ ...text, NumMedia: "two" }).code).toBe("malformed_payload");
    expect(issuesOf({ ...text, NumMedia: "1" })).toMatchObject({ code: "malformed_payload", details: [expect.objectContaining({ path: ["MediaUrl0"] })] });
    expect(issuesOf({ ...image, MediaUrl0: "not a url" }).code).toBe("malformed_payload");
  });

  it("refuses a location with one coordinate, or coordinates that are not numbers", () => {
    const { Longitude: _l, ...half } = location;
    expect(issuesOf(half)).toMatchObject({ code: "malformed_payload", details: [expect.objectContaining({ path: ["Longitude"] })] });
    expect(issuesOf({ ...location, Latitude: "north" }).code).toBe("malformed_payload");
  });

  it("refuses a non-numeric ErrorCode on a status callback", () => {
    expect(issuesOf({ ...failed63016, ErrorCode: "sixty" }).code).toBe("malformed_payload");
  });
});
