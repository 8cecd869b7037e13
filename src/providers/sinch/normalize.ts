import type { AttachmentMeta } from "../../kinds/message";
import { ApiError } from "../../errors";
import type { ContactRef, InboundEvent, ReportedStatus } from "../types";
import {
  callbackSchema,
  otherCallbackFields,
  type SinchCallback,
  type SinchConversationMessage,
  type SinchDeliveryReport,
  type SinchMessageContent,
} from "./schema";

/** The one channel this adapter serves. */
export const WHATSAPP = "WHATSAPP";

/** Sinch's reason code when WhatsApp's 24-hour customer-care window had closed. */
export const OUTSIDE_WINDOW_CODE = "OUTSIDE_ALLOWED_SENDING_WINDOW";
export const OUTSIDE_WINDOW_REASON = `outside WhatsApp's 24-hour window (Sinch ${OUTSIDE_WINDOW_CODE})`;

export type NormalizeOptions = {
  /** The account's Conversation API app: callbacks of another app are not this account's. */
  appId: string;
  /** The request's signature nonce: keys an ignored callback that carries no id of its own. */
  nonce?: string;
  /** The hub's clock (epoch ms), for callbacks without a time of their own. */
  now: number;
};

const reportedStatuses: Record<string, ReportedStatus> = {
  DELIVERED: "delivered",
  READ: "read",
  FAILED: "failed",
};

/** One Conversation API callback → one canonical event. Throws ApiError(400) when `body` is not a callback. */
export function normalizeSinchCallback(body: unknown, opts: NormalizeOptions): InboundEvent[] {
  const parsed = callbackSchema.safeParse(body);
  if (!parsed.success) {
    throw new ApiError(400, "malformed_payload", "The body is not a Sinch Conversation API callback", parsed.error.issues);
  }
  const cb = parsed.data;
  const at = timeOf(cb.event_time) ?? timeOf(cb.accepted_time) ?? opts.now;

  if (cb.message) {
    const key = `message:${cb.message.id}`;
    if (cb.app_id && cb.app_id !== opts.appId) return [{ kind: "ignored", eventKey: key, description: `message for another Sinch app (${cb.app_id})` }];
    return [fromMessage(cb, cb.message, at)];
  }
  if (cb.message_delivery_report) {
    const r = cb.message_delivery_report;
    if (cb.app_id && cb.app_id !== opts.appId) {
      return [{ kind: "ignored", eventKey: `status:${r.message_id}:${r.status}`, description: `delivery report for another Sinch app (${cb.app_id})` }];
    }
    return [fromDeliveryReport(r, at)];
  }
  return [ignoredCallback(cb, opts)];
}

function fromMessage(cb: SinchCallback, m: SinchConversationMessage, at: number): InboundEvent {
  const outbound = m.direction === "TO_CONTACT";
  const eventKey = `${outbound ? "echo" : "message"}:${m.id}`;
  const channel = m.channel_identity.channel;
  if (channel !== WHATSAPP) {
    return { kind: "ignored", eventKey, description: `message on the ${channel} channel (only WhatsApp is handled)` };
  }
  const content = (outbound ? (m.app_message ?? m.contact_message) : (m.contact_message ?? m.app_message)) ?? {};
  const { text, attachments } = contentOf(content);
  if (text === "" && attachments.length === 0) {
    return { kind: "ignored", eventKey, description: `${outbound ? "outbound" : "inbound"} message without content the hub handles` };
  }
  const contact = contactOf(m);
  // Sinch's time of the event, else when Sinch accepted it.
  const sentAt = timeOf(cb.event_time) ?? timeOf(m.accept_time) ?? at;
  if (outbound) return { kind: "echo", eventKey, providerMessageId: m.id, contact, text, attachments, sentAt };
  const replyTo = content.reply_to?.message_id;
  return {
    kind: "message",
    eventKey,
    providerMessageId: m.id,
    contact,
    text,
    attachments,
    sentAt,
    ...(replyTo ? { replyTo } : {}),
  };
}

/**
 * The inbound callback names the contact only by channel identity (the phone number). Sinch keeps
 * the WhatsApp profile name on its contact record (Get Contact), not in the callback.
 */
function contactOf(m: SinchConversationMessage): ContactRef {
  const identity = m.channel_identity.identity;
  return { externalId: identity, address: identity, displayName: identity };
}

function contentOf(c: SinchMessageContent): { text: string; attachments: AttachmentMeta[] } {
  if (c.text_message) return { text: c.text_message.text, attachments: [] };
  if (c.media_message) {
    const m = c.media_message;
    return { text: "", attachments: [mediaAttachment(m.url, m.filename_override)] };
  }
  if (c.media_card_message) {
    const m = c.media_card_message;
    return { text: m.caption ?? "", attachments: [mediaAttachment(m.url)] };
  }
  if (c.location_message) {
    const l = c.location_message;
    const name = l.title || l.label || undefined;
    return { text: "", attachments: [compact({ kind: "location", ref: `${l.coordinates.latitude},${l.coordinates.longitude}`, name })] };
  }
  if (c.choice_response_message) {
    const r = c.choice_response_message;
    return { text: "", attachments: [compact({ kind: "other", name: "choice_response", ref: r.postback_data ?? r.message_id })] };
  }
  if (c.fallback_message) {
    // Content Sinch could not transcode (a contact card, an unsupported type): that it came is kept.
    const code = c.fallback_message.reason?.code;
    return { text: "", attachments: [compact({ kind: "other", name: code ? `unsupported (${code})` : "unsupported" })] };
  }
  const other = Object.keys(c).find((k) => k.endsWith("_message") && k !== "reply_to");
  return other ? { text: "", attachments: [{ kind: "other", name: other }] } : { text: "", attachments: [] };
}

const extensionKinds: Record<string, AttachmentMeta["kind"]> = {
  jpg: "image",
  jpeg: "image",
  png: "image",
  gif: "image",
  heic: "image",
  webp: "sticker", // WhatsApp sends stickers as WebP; images arrive as JPEG or PNG
  mp4: "video",
  "3gp": "video",
  "3gpp": "video",
  mov: "video",
  aac: "audio",
  amr: "audio",
  m4a: "audio",
  mp3: "audio",
  mpeg: "audio",
  ogg: "audio",
  oga: "audio",
  opus: "audio",
  wav: "audio",
};

/** A media URL as an attachment: the kind from the file extension (a `file` when there is none we know). */
export function mediaAttachment(url: string, filename?: string): AttachmentMeta {
  const name = filename || lastPathSegment(url);
  const ext = extensionOf(filename) ?? extensionOf(name);
  return compact({ kind: (ext && extensionKinds[ext]) || "file", ref: url, name });
}

function lastPathSegment(url: string): string | undefined {
  let path: string;
  try {
    path = new URL(url).pathname;
  } catch {
    path = url.split(/[?#]/)[0] ?? "";
  }
  const last = path.split("/").filter(Boolean).at(-1);
  if (!last) return undefined;
  try {
    return decodeURIComponent(last);
  } catch {
    return last;
  }
}

function extensionOf(name: string | undefined): string | undefined {
  const m = name ? /\.([A-Za-z0-9]{1,5})$/.exec(name) : null;
  return m?.[1]?.toLowerCase();
}

function fromDeliveryReport(r: SinchDeliveryReport, at: number): InboundEvent {
  const eventKey = `status:${r.message_id}:${r.status}`;
  const status = reportedStatuses[r.status];
  if (!status) return { kind: "ignored", eventKey, description: `delivery report ${r.status}` };
  if (status !== "failed") return { kind: "status", eventKey, providerMessageId: r.message_id, status, at };
  return { kind: "status", eventKey, providerMessageId: r.message_id, status, reason: failureReason(r.reason), at };
}

/** A FAILED report's reason, always naming Sinch's code. */
export function failureReason(reason: SinchDeliveryReport["reason"]): string {
  const code = reason?.code;
  if (code === OUTSIDE_WINDOW_CODE) return OUTSIDE_WINDOW_REASON;
  const description = reason?.description?.trim();
  if (!code) return description ? `${description} (Sinch gave no reason code)` : "failed (Sinch gave no reason)";
  return description ? `${description} (Sinch ${code})` : `Sinch ${code}`;
}

function ignoredCallback(cb: SinchCallback, opts: NormalizeOptions): InboundEvent {
  const raw = cb as Record<string, unknown>;
  const field =
    otherCallbackFields.find((f) => f in raw) ??
    Object.keys(raw).find((k) => !["app_id", "project_id", "accepted_time", "event_time", "message_metadata", "correlation_id"].includes(k) && typeof raw[k] === "object") ??
    "unknown";
  const id = idOf(raw[field]);
  const unique = id ?? (opts.nonce ? `nonce:${opts.nonce}` : `at:${cb.accepted_time ?? cb.event_time ?? opts.now}`);
  return { kind: "ignored", eventKey: `${field}:${unique}`, description: `${field} callback` };
}

/** The id a notification names, where it has one (conversation, contact, message or event id). */
function idOf(value: unknown): string | undefined {
  if (!value || typeof value !== "object") return undefined;
  const v = value as Record<string, unknown>;
  for (const key of ["message_id", "event_id", "id"]) {
    if (typeof v[key] === "string" && v[key]) return [v[key], typeof v.status === "string" ? v.status : undefined].filter(Boolean).join(":");
  }
  for (const nested of ["conversation", "contact"]) {
    const n = v[nested] as Record<string, unknown> | undefined;
    if (n && typeof n.id === "string" && n.id) return n.id;
  }
  return undefined;
}

/** ISO 8601 → epoch ms; Sinch writes up to nanoseconds, which Date.parse need not accept. */
export function timeOf(iso: string | undefined): number | undefined {
  if (!iso) return undefined;
  const trimmed = iso.replace(/(\.\d{3})\d+/, "$1");
  const ms = Date.parse(trimmed);
  return Number.isFinite(ms) ? ms : undefined;
}

function compact<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
