import type { AttachmentMeta } from "../../kinds/message";
import { ApiError } from "../../errors";
import type { ContactRef, InboundEvent } from "../types";
import { otherUpdateKinds, updateSchema, type TelegramMessage, type TelegramUpdate } from "./schema";

/** Message contents without a file or text that the hub still records, as an "other" attachment. */
const otherContents = ["story", "poll", "dice", "game", "checklist", "paid_media", "invoice", "giveaway"] as const;

/** One Telegram Update → one canonical event. Throws ApiError(400) when `body` is not an Update. */
export function normalizeTelegramUpdate(body: unknown): InboundEvent[] {
  const parsed = updateSchema.safeParse(body);
  if (!parsed.success) {
    throw new ApiError(400, "malformed_payload", "The body is not a Telegram Update", parsed.error.issues);
  }
  const update = parsed.data;
  const eventKey = `update:${update.update_id}`;
  if (update.message) return [fromMessage(eventKey, update.message, "message")];
  if (update.edited_message) return [fromMessage(eventKey, update.edited_message, "edit")];
  return [{ kind: "ignored", eventKey, description: `${updateKind(update)} update` }];
}

function fromMessage(eventKey: string, m: TelegramMessage, kind: "message" | "edit"): InboundEvent {
  const what = kind === "edit" ? "edited message" : "message";
  if (m.chat.type !== "private") {
    return { kind: "ignored", eventKey, description: `${what} in a ${m.chat.type} chat (only private chats are handled)` };
  }
  if (!m.from) return { kind: "ignored", eventKey, description: `${what} without a sender` };

  const text = m.text ?? m.caption ?? "";
  const attachments = attachmentsOf(m);
  if (text === "" && attachments.length === 0) {
    return { kind: "ignored", eventKey, description: `${what} without text or content the hub handles (service message)` };
  }
  const common = {
    eventKey,
    // Telegram message ids are unique only within a chat.
    providerMessageId: `${m.chat.id}:${m.message_id}`,
    contact: contactOf(m.from, m.chat.id),
    text,
    attachments,
  };
  return kind === "edit"
    ? { kind: "edit", ...common, editedAt: (m.edit_date ?? m.date) * 1000 }
    : { kind: "message", ...common, sentAt: m.date * 1000 };
}

function contactOf(from: NonNullable<TelegramMessage["from"]>, chatId: number): ContactRef {
  const fullName = [from.first_name, from.last_name].filter(Boolean).join(" ").trim();
  return compact({
    externalId: String(from.id),
    // A private chat's id is the user's id; replies go to the chat.
    address: String(chatId),
    displayName: fullName || from.username || String(from.id),
    username: from.username,
    language: from.language_code,
  });
}

function attachmentsOf(m: TelegramMessage): AttachmentMeta[] {
  const out: AttachmentMeta[] = [];
  const largest = m.photo?.at(-1);
  if (largest) {
    out.push({ kind: "image", ref: largest.file_id, width: largest.width, height: largest.height, size: largest.file_size });
  }
  if (m.animation) {
    const a = m.animation;
    out.push({
      kind: "video",
      ref: a.file_id,
      name: a.file_name,
      mimeType: a.mime_type,
      size: a.file_size,
      width: a.width,
      height: a.height,
      durationS: a.duration,
    });
  } else if (m.document) {
    const d = m.document;
    out.push({ kind: "file", ref: d.file_id, name: d.file_name, mimeType: d.mime_type, size: d.file_size });
  }
  if (m.voice) {
    const v = m.voice;
    out.push({ kind: "audio", ref: v.file_id, mimeType: v.mime_type, size: v.file_size, durationS: v.duration });
  }
  if (m.audio) {
    const a = m.audio;
    out.push({
      kind: "audio",
      ref: a.file_id,
      name: a.file_name ?? a.title,
      mimeType: a.mime_type,
      size: a.file_size,
      durationS: a.duration,
    });
  }
  if (m.video) {
    const v = m.video;
    out.push({
      kind: "video",
      ref: v.file_id,
      name: v.file_name,
      mimeType: v.mime_type,
      size: v.file_size,
      width: v.width,
      height: v.height,
      durationS: v.duration,
    });
  }
  if (m.video_note) {
    const v = m.video_note;
    out.push({ kind: "video", ref: v.file_id, size: v.file_size, width: v.length, height: v.length, durationS: v.duration });
  }
  if (m.sticker) {
    const s = m.sticker;
    out.push({
      kind: "sticker",
      ref: s.file_id,
      name: s.emoji,
      mimeType: s.is_animated ? "application/x-tgsticker" : s.is_video ? "video/webm" : "image/webp",
      size: s.file_size,
      width: s.width,
      height: s.height,
    });
  }
  const place = m.venue?.location ?? m.location;
  if (place) {
    out.push({ kind: "location", ref: `${place.latitude},${place.longitude}`, name: m.venue?.title });
  }
  if (m.contact) {
    const c = m.contact;
    const name = [c.first_name, c.last_name].filter(Boolean).join(" ").trim();
    out.push({ kind: "contact", ref: c.phone_number, name: name || undefined });
  }
  if (out.length === 0) {
    const other = otherContents.find((key) => key in m);
    if (other) out.push({ kind: "other", name: other });
  }
  return out.map(compact);
}

function updateKind(update: TelegramUpdate): string {
  const known = otherUpdateKinds.find((kind) => kind in update);
  if (known) return known;
  return Object.keys(update).find((key) => key !== "update_id") ?? "empty";
}

/** Drops undefined fields, so stored JSON and test expectations carry only what Telegram sent. */
function compact<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
