import { describe, expect, it } from "vitest";
import { ApiError } from "../../../src/errors";
import { customAdapter } from "../../../src/providers/custom";
import { normalizeCustomBatch } from "../../../src/providers/custom/normalize";
import attachments from "../../fixtures/custom/message-attachments.json";
import batch from "../../fixtures/custom/message-batch.json";
import del from "../../fixtures/custom/delete.json";
import edit from "../../fixtures/custom/edit.json";
import status from "../../fixtures/custom/status.json";
import text from "../../fixtures/custom/message-text.json";
import unknownType from "../../fixtures/custom/unknown-type.json";
import { webhookRequest } from "./helpers";

/** The 400 a body earns, with its details. */
function rejection(body: unknown) {
  try {
    normalizeCustomBatch(body);
  } catch (err) {
    expect(err).toBeInstanceOf(ApiError);
    const e = err as ApiError;
    return { status: e.status, code: e.code, details: e.details as { path: string; message: string }[] };
  }
  throw new Error("expected a rejection");
}

const sender = { id: "cust-1", name: "Ayşe" };
const msg = (extra: Record<string, unknown>) => ({ id: "m-1", sender, text: "Merhaba", timestamp: "2026-01-01T00:00:00Z", ...extra });

describe("normalizeCustomBatch: messages", () => {
  it("maps a text message: in:-prefixed id, sender as contact, ISO time with offset to epoch ms", () => {
    expect(normalizeCustomBatch(text)).toEqual([
      {
        kind: "message",
        eventKey: "message:msg-1001",
        providerMessageId: "in:msg-1001",
        contact: { externalId: "cust-1001", address: "cust-1001", displayName: "Ayşe Yılmaz", username: "ayse.yilmaz", language: "tr" },
        text: "Merhaba, siparişim nerede? 📦",
        attachments: [],
        sentAt: Date.UTC(2026, 0, 1, 6, 30),
      },
    ]);
  });

  it("keeps a batch in order: epoch-ms and ISO timestamps, an explicit type, optional sender fields left out", () => {
    const events = normalizeCustomBatch(batch);
    expect(events.map((e) => e.kind === "message" && [e.eventKey, e.text, e.sentAt])).toEqual([
      ["message:msg-2001", "Grüß Gott! Können Sie mir bei der Rücksendung helfen?", 1767258000000],
      ["message:msg-2002", "Die Größe passt leider nicht 😕", 1767258005000],
      ["message:msg-2003", "İyi günler 👋🏽", Date.UTC(2026, 0, 1, 9, 0, 10, 250)],
    ]);
    expect(events[0]).toMatchObject({ contact: { externalId: "cust-2001", displayName: "Jürgen Müller", language: "de-AT" } });
    expect(events[2]).toMatchObject({ contact: { externalId: "cust-2002", address: "cust-2002", displayName: "Çağrı Öztürk" } });
    expect(Object.keys((events[2] as { contact: object }).contact).sort()).toEqual(["address", "displayName", "externalId"]);
  });

  it("maps every attachment kind: url → ref, name, mimeType, size; a message of attachments alone has empty text", () => {
    const [first, second] = normalizeCustomBatch(attachments);
    expect(first).toMatchObject({ kind: "message", text: "Hasarlı ürünün fotoğrafları ve fatura ekte" });
    expect(first!.kind === "message" && first!.attachments).toEqual([
      { kind: "image", ref: "https://cdn.shop.example/u/3001/hasar-1.jpg", mimeType: "image/jpeg", size: 482113 },
      { kind: "file", ref: "https://cdn.shop.example/u/3001/fatura.pdf", name: "Fatura №2026-17.pdf", mimeType: "application/pdf", size: 90211 },
      { kind: "audio", ref: "https://cdn.shop.example/u/3001/sesli-not.ogg", mimeType: "audio/ogg" },
      { kind: "video", ref: "https://cdn.shop.example/u/3001/kutu.mp4", mimeType: "video/mp4", size: 7340032 },
      { kind: "location", ref: "geo:41.0082,28.9784", name: "Sultanahmet, İstanbul" },
      { kind: "other", name: "sticker: 🐱" },
    ]);
    expect(second).toMatchObject({ kind: "message", text: "", attachments: [{ kind: "image", ref: "https://cdn.shop.example/u/3001/hasar-2.jpg" }] });
  });
});

describe("normalizeCustomBatch: edits, deletions, statuses, unknown types", () => {
  it("an edit targets the in:-prefixed message; its key carries its time so a later edit is a new event", () => {
    expect(normalizeCustomBatch(edit)).toEqual([
      {
        kind: "edit",
        eventKey: `edit:msg-1001:${Date.UTC(2026, 0, 1, 6, 31)}`,
        providerMessageId: "in:msg-1001",
        contact: { externalId: "cust-1001", address: "cust-1001", displayName: "Ayşe Yılmaz" },
        text: "Merhaba, 1234 numaralı siparişim nerede? 📦",
        attachments: [],
        editedAt: Date.UTC(2026, 0, 1, 6, 31),
      },
    ]);
  });

  it("a delete targets the in:-prefixed message", () => {
    expect(normalizeCustomBatch(del)).toEqual([
      {
        kind: "delete",
        eventKey: "delete:msg-1001",
        providerMessageId: "in:msg-1001",
        contact: { externalId: "cust-1001", address: "cust-1001", displayName: "Ayşe Yılmaz" },
        deletedAt: Date.UTC(2026, 0, 1, 6, 32),
      },
    ]);
  });

  it("statuses name the hub's message by the id the hub knows it by (unprefixed), one key per status", () => {
    expect(normalizeCustomBatch(status)).toEqual([
      { kind: "status", eventKey: "status:ext-5001:delivered", providerMessageId: "ext-5001", status: "delivered", at: Date.UTC(2026, 0, 1, 6, 40) },
      { kind: "status", eventKey: "status:ext-5001:read", providerMessageId: "ext-5001", status: "read", at: 1767249660000 },
      {
        kind: "status",
        eventKey: "status:custom:77:failed",
        providerMessageId: "custom:77",
        status: "failed",
        reason: "Empfänger hat den Chat geschlossen",
        at: Date.UTC(2026, 0, 1, 6, 41, 30),
      },
    ]);
  });

  it("an item of an unknown type is ignored, described by its type and id", () => {
    expect(normalizeCustomBatch(unknownType)).toEqual([
      { kind: "ignored", eventKey: "other:typing:typing-88", description: 'item of unknown type "typing" (id typing-88)' },
    ]);
  });
});

describe("normalizeCustomBatch: strict validation", () => {
  it("refuses a body that is not an envelope of 1–100 items", () => {
    expect(rejection([msg({})])).toMatchObject({ status: 400, code: "malformed_payload" });
    expect(rejection({}).details).toEqual([{ path: "messages", message: expect.stringMatching(/expected array/i) }]);
    expect(rejection({ messages: [] }).details).toEqual([{ path: "messages", message: "Send 1–100 items" }]);
    expect(rejection({ messages: Array.from({ length: 101 }, (_, i) => msg({ id: `m-${i}` })) }).details).toEqual([
      { path: "messages", message: "Send 1–100 items" },
    ]);
    expect(normalizeCustomBatch({ messages: Array.from({ length: 100 }, (_, i) => msg({ id: `m-${i}` })) })).toHaveLength(100);
    expect(rejection({ messages: [msg({})], extra: 1 }).details).toEqual([{ path: "", message: 'Unrecognized key: "extra"' }]);
  });

  it("lists every problem of every item with its path, and fails the whole batch", () => {
    const { details } = rejection({
      messages: [
        msg({}),
        { id: "", sender: { id: "c" }, timestamp: "yesterday" },
        msg({ txt: "typo" }),
        "not an object",
        msg({ type: 7 }),
      ],
    });
    expect(details).toEqual(
      expect.arrayContaining([
        { path: "messages.1.id", message: "Must not be empty" },
        { path: "messages.1.sender.name", message: expect.stringMatching(/expected string/i) },
        { path: "messages.1.timestamp", message: expect.stringContaining("ISO 8601") },
        { path: "messages.2", message: 'Unrecognized key: "txt"' },
        { path: "messages.3", message: "Expected an object" },
        { path: "messages.4.type", message: "Expected a string" },
      ]),
    );
    expect(details.some((d) => d.path.startsWith("messages.0"))).toBe(false);
  });

  it("needs text or an attachment, in messages and in edits", () => {
    for (const item of [msg({ text: undefined }), msg({ text: "   " }), msg({ text: "", attachments: [] }), msg({ type: "edit", text: undefined })]) {
      expect(rejection({ messages: [item] }).details).toEqual([{ path: "messages.0.text", message: "Needs text or at least one attachment" }]);
    }
  });

  it("refuses timestamps in seconds, without a time zone, or of another type", () => {
    expect(rejection({ messages: [msg({ timestamp: 1767225600 })] }).details).toEqual([
      { path: "messages.0.timestamp", message: "Expected epoch milliseconds; this looks like seconds" },
    ]);
    for (const timestamp of ["2026-01-01T00:00:00", "2026-01-01", true, null, 1.5e12 + 0.5]) {
      expect(rejection({ messages: [msg({ timestamp })] }).details[0]!.path).toBe("messages.0.timestamp");
    }
  });

  it("checks attachments: known kind, http(s) or geo: URL, a url or a name, MIME type, integer size", () => {
    const bad = (a: Record<string, unknown>) => rejection({ messages: [msg({ attachments: [a] })] }).details;
    expect(bad({ kind: "sticker", url: "https://x.example/a" })[0]!.path).toBe("messages.0.attachments.0.kind");
    expect(bad({ kind: "image", url: "ftp://x.example/a" })).toEqual([{ path: "messages.0.attachments.0.url", message: "Expected an http(s) URL or a geo: URI" }]);
    expect(bad({ kind: "image" })).toEqual([{ path: "messages.0.attachments.0", message: "An attachment needs a url or a name" }]);
    expect(bad({ kind: "image", url: "https://x.example/a", mimeType: "jpeg" })[0]!.path).toBe("messages.0.attachments.0.mimeType");
    expect(bad({ kind: "image", url: "https://x.example/a", size: -1 })[0]!.path).toBe("messages.0.attachments.0.size");
    expect(bad({ kind: "image", url: "https://x.example/a", width: 10 })).toEqual([{ path: "messages.0.attachments.0", message: 'Unrecognized key: "width"' }]);
  });

  it("checks statuses: a known status, no sender fields", () => {
    const s = { type: "status", id: "ext-1", status: "seen", timestamp: "2026-01-01T00:00:00Z" };
    expect(rejection({ messages: [s] }).details[0]!.path).toBe("messages.0.status");
    expect(rejection({ messages: [{ ...s, status: "read", sender }] }).details).toEqual([{ path: "messages.0", message: 'Unrecognized key: "sender"' }]);
  });

  it("an unknown type still needs an id", () => {
    expect(rejection({ messages: [{ type: "typing" }] }).details).toEqual([{ path: "messages.0.id", message: expect.stringMatching(/expected string/i) }]);
  });
});

describe("customAdapter.normalize", () => {
  it("decodes the raw bytes as UTF-8 JSON", () => {
    const events = customAdapter.normalize(webhookRequest({}, text), undefined as never);
    expect(events).toHaveLength(1);
  });

  it("400 malformed_json for broken JSON and for bytes that are not UTF-8", () => {
    expect(() => customAdapter.normalize(webhookRequest({}, '{"messages": ['), undefined as never)).toThrowError(
      expect.objectContaining({ status: 400, code: "malformed_json" }),
    );
    const latin1 = { ...webhookRequest({}), rawBody: new Uint8Array([0x7b, 0x22, 0xfc, 0x22, 0x7d]) };
    expect(() => customAdapter.normalize(latin1, undefined as never)).toThrowError(expect.objectContaining({ status: 400, code: "malformed_json" }));
  });
});
