import { describe, expect, it } from "vitest";
import { boundFrame, boundPreview, boundView, cut, FRAME_MAX_BYTES, FRAME_TEXT_MAX, VIEW_NAME_MAX } from "../../src/queue/frame-bounds";
import type { ServerFrame } from "../../src/queue/protocol";
import type { MessageView, TicketView } from "../../src/kinds/views";

// The bounds on what a frame (and a replay-log row) carries, checked on frames built by hand.

const bytes = (frame: unknown) => new TextEncoder().encode(JSON.stringify(frame)).byteLength;

const view: TicketView = {
  id: 1433,
  accountId: "a1",
  accountName: "Demo Telegram bot",
  provider: "telegram",
  contact: { id: 18, name: "Mehmet Öztürk", username: "mehmet_o" },
  subject: null,
  createdAt: 1795300100000,
};

const message = (id: number, body: string, extra: Partial<MessageView> = {}): MessageView => ({
  id,
  ticketId: 1433,
  direction: "in",
  body,
  attachments: [],
  status: "received",
  statusReason: null,
  authorId: null,
  createdAt: 1795300100000 + id,
  editedAt: null,
  deletedAt: null,
  reaction: null,
  ...extra,
});

describe("frame bounds", () => {
  it("cuts by characters, never inside an emoji", () => {
    expect(cut("📦📦📦", 2)).toEqual({ text: "📦📦", cut: true });
    expect(cut("şğü", 3)).toEqual({ text: "şğü", cut: false });
    expect(cut("📦📦", 2)).toEqual({ text: "📦📦", cut: false }); // 4 UTF-16 units, 2 characters
  });

  it("leaves a frame within bounds as it is", () => {
    const frame: ServerFrame = { type: "message", message: message(90, "Merhaba, siparişim nerede? 📦") };
    expect(boundFrame(frame)).toBe(frame);
  });

  it("cuts a long body and its translation to FRAME_TEXT_MAX characters, flagged truncated, id kept", () => {
    const long = "Ç📦".repeat(FRAME_TEXT_MAX);
    const frame: ServerFrame = { type: "message", message: message(91, long, { translation: { language: "en", text: long, sourceLanguage: "tr" } }) };
    const out = boundFrame(frame) as Extract<ServerFrame, { type: "message" }>;
    expect(out.message).toMatchObject({ id: 91, truncated: true });
    expect([...out.message.body]).toHaveLength(FRAME_TEXT_MAX);
    expect([...out.message.translation!.text]).toHaveLength(FRAME_TEXT_MAX);
    expect(long.startsWith(out.message.body)).toBe(true);
  });

  it("a history over FRAME_MAX_BYTES loses its oldest messages first", () => {
    // 50 messages of 4096 emoji and as long a translation: ~1.6 MB before the bound.
    const emoji = "🙏".repeat(FRAME_TEXT_MAX);
    const messages = Array.from({ length: 50 }, (_, i) => message(i + 1, emoji, { translation: { language: "en", text: emoji, sourceLanguage: "tr" } }));
    const out = boundFrame({ type: "ticket.assigned", ticket: view, messages }) as Extract<ServerFrame, { type: "ticket.assigned" }>;
    expect(bytes(out)).toBeLessThanOrEqual(FRAME_MAX_BYTES);
    expect(out.messages.length).toBeGreaterThan(1);
    expect(out.messages.length).toBeLessThan(50);
    expect(out.messages.at(-1)!.id).toBe(50);
    expect(out.messages.map((m) => m.id)).toEqual(messages.slice(50 - out.messages.length).map((m) => m.id));
  });

  it("a single message too large even so keeps a short cut and no attachments", () => {
    const attachments = Array.from({ length: 20_000 }, (_, i) => ({ kind: "image" as const, ref: `https://cdn.example.test/görsel-${i}.jpg` }));
    const out = boundFrame({ type: "message", message: message(92, "Fotoğraflar 📷", { attachments }) }) as Extract<ServerFrame, { type: "message" }>;
    expect(bytes(out)).toBeLessThanOrEqual(FRAME_MAX_BYTES);
    expect(out.message).toMatchObject({ id: 92, body: "Fotoğraflar 📷", attachments: [], truncated: true });
  });

  it("views and previews the queue keeps are bounded too", () => {
    const named = boundView({ ...view, contact: { id: 18, name: "Ayşe 🌸".repeat(1000), username: "u".repeat(5000) } });
    expect([...named.contact.name]).toHaveLength(VIEW_NAME_MAX);
    expect(named.contact.username).toHaveLength(VIEW_NAME_MAX);
    expect(boundView(view)).toBe(view);
    expect([...boundPreview("ğ".repeat(10_000))]).toHaveLength(140);
  });
});
