import { describe, expect, it } from "vitest";
import { ApiError } from "../../../src/errors";
import { metaAdapter } from "../../../src/providers/meta";
import { fingerprint, metaRecipients, normalizeMetaPayload } from "../../../src/providers/meta/normalize";
import attachments from "../../fixtures/meta/attachments.json";
import batch from "../../fixtures/meta/batch-out-of-order.json";
import comments from "../../fixtures/meta/comments-change.json";
import echo from "../../fixtures/meta/echo.json";
import postback from "../../fixtures/meta/postback.json";
import reaction from "../../fixtures/meta/reaction.json";
import read from "../../fixtures/meta/read.json";
import referral from "../../fixtures/meta/referral.json";
import replyTo from "../../fixtures/meta/reply-to.json";
import storyMention from "../../fixtures/meta/story-mention.json";
import text from "../../fixtures/meta/text-message.json";
import unreact from "../../fixtures/meta/unreact.json";
import unsend from "../../fixtures/meta/unsend.json";
import unsupported from "../../fixtures/meta/unsupported.json";
import wrongRecipient from "../../fixtures/meta/wrong-recipient.json";
import { IG } from "./helpers";

const CUSTOMER = "6284937561234567";
const OTHER_CUSTOMER = "7390156248812345";
const mid = (n: string) =>
  `aWdfZAG1faXRlbToxOklHTWVzc2FnZAUlEOjE3ODQxNDAwMDA4NDYwMDU2OjM0MDI4MjM2Njg0MTcxMDMwMTI0NDI3NjI3MDQyNzMzODYwMzc1NTozMjkxMjcxNDM5ODc2MjU4NzI2NDE5NTA2NTUxNTM0Mzg3${n}ZDZD`;
const contact = (id: string) => ({ externalId: id, address: id, displayName: id });
const normalize = (body: unknown) => normalizeMetaPayload(body, IG);

function thrown(fn: () => unknown): ApiError {
  try {
    fn();
  } catch (err) {
    if (err instanceof ApiError) return err;
    throw err;
  }
  throw new Error("expected an ApiError");
}

describe("normalizeMetaPayload: messages", () => {
  it("maps a text message; the IGSID is the contact's id, address and name", () => {
    expect(normalize(text)).toEqual([
      {
        kind: "message",
        eventKey: `message:${mid("Mg")}`,
        providerMessageId: mid("Mg"),
        contact: contact(CUSTOMER),
        text: "Merhaba, siparişim nerede? 📦",
        attachments: [],
        sentAt: 1763700000123,
      },
    ]);
  });

  it("keeps reply_to.mid as replyTo", () => {
    const [ev] = normalize(replyTo);
    expect(ev).toMatchObject({ kind: "message", text: "Größe M bitte, danke! 🙏", replyTo: mid("Mg") });
  });

  it("maps every attachment type; a kind the hub does not know keeps its name and no URL", () => {
    const [ev] = normalize(attachments);
    expect(ev).toMatchObject({ kind: "message", text: "Şu ürün var mı?", contact: contact(OTHER_CUSTOMER) });
    expect(ev!.kind === "message" && ev!.attachments).toEqual([
      { kind: "image", ref: "https://lookaside.fbsbx.com/ig_messaging_cdn/?asset_id=17900000000000001&signature=AbCdEf" },
      { kind: "audio", ref: "https://lookaside.fbsbx.com/ig_messaging_cdn/?asset_id=17900000000000002&signature=AbCdEg" },
      { kind: "video", ref: "https://lookaside.fbsbx.com/ig_messaging_cdn/?asset_id=17900000000000003&signature=AbCdEh" },
      { kind: "file", ref: "https://lookaside.fbsbx.com/ig_messaging_cdn/?asset_id=17900000000000004&signature=AbCdEi" },
      { kind: "share", ref: "https://www.instagram.com/p/C1a2b3c4d5e/" },
      { kind: "reel", ref: "https://lookaside.fbsbx.com/ig_messaging_cdn/?asset_id=17900000000000005", name: "Yeni sezon 👗" },
      { kind: "reel", ref: "https://lookaside.fbsbx.com/ig_messaging_cdn/?asset_id=17900000000000006" },
      { kind: "other", name: "fallback" },
    ]);
  });

  it("keeps only the fact of a story mention; its URL travels as ephemeral, never as an attachment ref", () => {
    const [ev] = normalize(storyMention);
    const url = "https://lookaside.fbsbx.com/ig_messaging_cdn/?asset_id=17999999999999999&signature=StoryOnlyOnce";
    expect(ev).toEqual({
      kind: "message",
      eventKey: `message:${mid("NQ")}`,
      providerMessageId: mid("NQ"),
      contact: contact(CUSTOMER),
      text: "",
      attachments: [{ kind: "story_mention" }],
      sentAt: 1763700180000,
      ephemeral: { kind: "story_mention", url },
    });
    const { ephemeral: _live, ...stored } = ev as Extract<typeof ev, { kind: "message" }>;
    expect(JSON.stringify(stored)).not.toContain("StoryOnlyOnce");
  });

  it("maps a postback to a message with the button's title", () => {
    expect(normalize(postback)).toEqual([
      {
        kind: "message",
        eventKey: `postback:${mid("Nw")}`,
        providerMessageId: mid("Nw"),
        contact: contact(OTHER_CUSTOMER),
        text: "Sipariş durumu",
        attachments: [],
        sentAt: 1763700540000,
      },
    ]);
  });

  it("keys a postback without mid by sender and time", () => {
    const body = { object: "instagram", entry: [{ id: IG, time: 1, messaging: [{ sender: { id: "42" }, recipient: { id: IG }, timestamp: 5, postback: { title: "Başla", payload: "START" } }] }] };
    expect(normalize(body)).toMatchObject([{ kind: "message", eventKey: "postback:postback:42:5", providerMessageId: "postback:42:5", text: "Başla" }]);
  });
});

describe("normalizeMetaPayload: reports about messages", () => {
  it("maps an unsend (is_deleted) to delete of that mid", () => {
    expect(normalize(unsend)).toEqual([
      { kind: "delete", eventKey: `delete:${mid("Mg")}`, providerMessageId: mid("Mg"), contact: contact(CUSTOMER), deletedAt: 1763700240000 },
    ]);
  });

  it("maps an echo to echo, about the customer it was sent to", () => {
    expect(normalize(echo)).toEqual([
      {
        kind: "echo",
        eventKey: `echo:${mid("Ng")}`,
        providerMessageId: mid("Ng"),
        contact: contact(CUSTOMER),
        text: "Kargonuz yarın teslim edilecek 🚚 Schöne Grüße!",
        attachments: [],
        sentAt: 1763700300000,
      },
    ]);
  });

  it("maps read.mid to a cumulative read status with the contact", () => {
    expect(normalize(read)).toEqual([
      {
        kind: "status",
        eventKey: `status:${mid("Ng")}:read`,
        providerMessageId: mid("Ng"),
        status: "read",
        at: 1763700360000,
        cumulative: true,
        contact: contact(CUSTOMER),
      },
    ]);
  });

  it("maps a read without sender or recipient (judged by entry.id) to a status without contact", () => {
    const body = { object: "instagram", entry: [{ id: IG, time: 1, messaging: [{ timestamp: 7, read: { mid: "m-1" } }] }] };
    expect(normalize(body)).toEqual([{ kind: "status", eventKey: "status:m-1:read", providerMessageId: "m-1", status: "read", at: 7, cumulative: true }]);
  });

  it("maps react and unreact; each reaction event has its own key", () => {
    const [react] = normalize(reaction);
    const [un] = normalize(unreact);
    expect(react).toEqual({
      kind: "reaction",
      eventKey: `reaction:${mid("Ng")}:1763700420000:react`,
      providerMessageId: mid("Ng"),
      contact: contact(CUSTOMER),
      action: "react",
      emoji: "❤️",
      at: 1763700420000,
    });
    expect(un).toMatchObject({ kind: "reaction", action: "unreact", emoji: null, eventKey: `reaction:${mid("Ng")}:1763700480000:unreact` });
  });

  it("gives a message and the unsend of it distinct keys", () => {
    const keys = [...normalize(text), ...normalize(unsend)].map((e) => e.eventKey);
    expect(new Set(keys).size).toBe(2);
  });
});

describe("normalizeMetaPayload: batches", () => {
  it("returns every entry's events in timestamp order", () => {
    const events = normalize(batch);
    expect(events.map((e) => e.kind === "message" && e.text)).toEqual(["İlk mesaj", "Guten Tag, ist das Kleid noch verfügbar?", "İkinci mesaj: teşekkürler"]);
    expect(events.map((e) => e.kind === "message" && e.sentAt)).toEqual([1763700800000, 1763700850000, 1763700900000]);
  });

  it("keeps Meta's order for equal timestamps", () => {
    const ev = (m: string) => ({ sender: { id: "1" }, recipient: { id: IG }, timestamp: 10, message: { mid: m, text: m } });
    const body = { object: "instagram", entry: [{ id: IG, time: 1, messaging: [ev("b"), ev("a"), ev("c")] }] };
    expect(normalize(body).map((e) => e.eventKey)).toEqual(["message:b", "message:a", "message:c"]);
  });
});

describe("normalizeMetaPayload: ignored", () => {
  it.each([
    ["referral", referral, /referral/],
    ["is_unsupported", unsupported, /does not deliver/],
    ["a comments change", comments, /"comments" change/],
  ])("acknowledges %s as ignored", (_name, body, description) => {
    const events = normalize(body);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ kind: "ignored", description: expect.stringMatching(description) });
  });

  it("ignores unknown event kinds and messages without content, with stable keys", () => {
    const body = {
      object: "instagram",
      entry: [
        {
          id: IG,
          time: 1,
          messaging: [
            { sender: { id: "1" }, recipient: { id: IG }, timestamp: 2, optin: { type: "notification_messages" } },
            { sender: { id: "1" }, recipient: { id: IG }, timestamp: 3, message: { mid: "empty" } },
            { sender: { id: "1" }, recipient: { id: IG }, timestamp: 4, reaction: { mid: "x", action: "swipe" } },
            { sender: { id: "1" }, recipient: { id: IG }, timestamp: 5, read: { watermark: 4 } },
          ],
        },
      ],
    };
    const events = normalize(body);
    expect(events.map((e) => e.kind)).toEqual(["ignored", "ignored", "ignored", "ignored"]);
    expect(events[0]).toMatchObject({ description: "a messaging event of kind optin" });
    expect(events[1]).toMatchObject({ eventKey: "message:empty" });
    // A retry (same body) yields the same keys.
    expect(normalize(structuredClone(body)).map((e) => e.eventKey)).toEqual(events.map((e) => e.eventKey));
  });

  it("ignores a notification for another object (a Page's Messenger)", () => {
    const events = normalize({ object: "page", entry: [{ id: "1", time: 1, messaging: [] }] });
    expect(events).toEqual([{ kind: "ignored", eventKey: expect.stringMatching(/^object:page:[0-9a-f]+$/), description: expect.stringContaining('"page"') }]);
  });

  it("fingerprints differ for different events and agree for equal ones", () => {
    expect(fingerprint({ a: 1 })).toBe(fingerprint({ a: 1 }));
    expect(fingerprint({ a: 1 })).not.toBe(fingerprint({ a: 2 }));
  });
});

describe("normalizeMetaPayload: refusals", () => {
  it("refuses the whole POST with 403 wrong_recipient when any event is for another account", () => {
    const err = thrown(() => normalize(wrongRecipient));
    expect(err).toMatchObject({ status: 403, code: "wrong_recipient", details: { path: "entry.0.messaging.1.recipient.id", received: "17841499999999999" } });
  });

  it("leaves an entry for another account to that account, and refuses an echo not sent by this account", () => {
    // Meta sends every account of an app to one callback URL: such an entry is another account's (see shared-url.test.ts).
    expect(normalize({ ...text, entry: [{ ...text.entry[0]!, id: "17841411111111111" }] })).toEqual([]);
    expect(metaRecipients({ ...text, entry: [text.entry[0]!, { ...text.entry[0]!, id: "17841411111111111" }] })).toEqual([IG, "17841411111111111"]);
    const foreignEcho = { ...echo, entry: [{ ...echo.entry[0]!, messaging: [{ ...echo.entry[0]!.messaging[0]!, sender: { id: "17841411111111111" } }] }] };
    expect(thrown(() => normalize(foreignEcho))).toMatchObject({ status: 403, code: "wrong_recipient", details: { path: "entry.0.messaging.0.sender.id" } });
  });

  it.each([
    ["not an object", "hello"],
    ["no entry", { object: "instagram" }],
    ["an entry without id", { object: "instagram", entry: [{ time: 1, messaging: [] }] }],
    ["an event without timestamp", { object: "instagram", entry: [{ id: IG, messaging: [{ sender: { id: "1" }, recipient: { id: IG }, message: { mid: "m", text: "x" } }] }] }],
    ["a numeric id (precision would be lost)", { object: "instagram", entry: [{ id: 17841400008460056, messaging: [] }] }],
    ["a message without a sender", { object: "instagram", entry: [{ id: IG, messaging: [{ recipient: { id: IG }, timestamp: 1, message: { mid: "m", text: "x" } }] }] }],
  ])("400 malformed_payload for %s", (_name, body) => {
    expect(thrown(() => normalize(body))).toMatchObject({ status: 400, code: "malformed_payload" });
  });

  it("400 malformed_json for bytes that are not UTF-8 JSON", () => {
    const ctx = { accountId: "a", creds: {} as never, settings: { igAccountId: IG } as never, receiveUrl: "", now: 0 };
    const req = (bytes: Uint8Array) => ({ url: "https://hub.example.test/webhooks/meta/k", method: "POST", headers: new Headers(), rawBody: bytes });
    expect(thrown(() => metaAdapter.normalize(req(new TextEncoder().encode('{"object":')), ctx))).toMatchObject({ status: 400, code: "malformed_json" });
    expect(thrown(() => metaAdapter.normalize(req(new Uint8Array([0x7b, 0x22, 0xff, 0x22, 0x7d])), ctx))).toMatchObject({ status: 400, code: "malformed_json" });
  });
});
