import type { z } from "zod";
import type { AttachmentMeta } from "../../kinds/message";
import { ApiError } from "../../errors";
import { digest } from "./digest";
import type { ContactRef, InboundEvent, ReportedStatus } from "../types";
import {
  envelopeSchema,
  messagePayloadSchema,
  statePayloadSchema,
  type ConnexeaseCustomer,
  type ConnexeaseMessage,
  type ConnexeaseStateChange,
} from "./schema";

export type NormalizeOptions = {
  /** The account's channel uuid: events of other channels are acknowledged and ignored. */
  channelId: string;
  /** Fallback time (epoch ms) when a payload carries none. */
  now: number;
  /** A digest of the raw body: the key of events that carry no id of their own. */
  bodyDigest: string;
};

/**
 * Connexease's message states → the hub's delivery statuses. Assumed (Connexease publishes no list):
 * the names WhatsApp and Instagram use, plus common synonyms. Anything else is ignored.
 */
export const stateMapping: Record<string, ReportedStatus> = {
  sent: "sent",
  server_ack: "sent",
  delivered: "delivered",
  delivery_ack: "delivered",
  read: "read",
  seen: "read",
  played: "read",
  failed: "failed",
  error: "failed",
  undelivered: "failed",
  rejected: "failed",
};

/** One Connexease webhook → canonical events. Throws ApiError(400) when `body` is not one. */
export function normalizeConnexease(body: unknown, opts: NormalizeOptions): InboundEvent[] {
  const envelope = parse(envelopeSchema, body, "The body is not a Connexease webhook");
  const ignored = (description: string): InboundEvent[] => [{ kind: "ignored", eventKey: `${envelope.hook}:${opts.bodyDigest}`, description }];

  if (envelope.channel.uuid !== opts.channelId) {
    return ignored(`${envelope.hook} for channel ${envelope.channel.uuid}, not this account's channel ${opts.channelId}`);
  }
  switch (envelope.hook) {
    case "message.created": {
      const { payload } = parse(envelopeSchema.extend({ payload: messagePayloadSchema }), body, "Not a message.created payload");
      return fromMessage(payload, opts, ignored);
    }
    case "message.state_changed": {
      const { payload } = parse(envelopeSchema.extend({ payload: statePayloadSchema }), body, "Not a message.state_changed payload");
      return fromStateChange(payload, opts, ignored);
    }
    default:
      return ignored(`${envelope.hook} event`);
  }
}

function fromMessage(m: ConnexeaseMessage, opts: NormalizeOptions, ignored: (d: string) => InboundEvent[]): InboundEvent[] {
  const own = messageIdOf(m);
  const id = own ?? derivedMessageId(m);
  if (m.private === true || m.is_private === true) return ignored(`private note ${id}`);
  const fromAgent = m.agent !== null && m.agent !== undefined;
  if (!m.customer && !fromAgent) return ignored(`message ${id} from neither a customer nor an agent`);
  const { attachments, story } = attachmentsOf(m);
  const text = m.content ?? "";
  if (text === "" && attachments.length === 0) return ignored(`message ${id} without text or attachments`);
  const common = {
    providerMessageId: id,
    contact: contactOf(m.customer ?? {}, m.conversation_uuid),
    text,
    attachments,
    sentAt: timeOf(m.created_at, m.timestamp, m.sent_at) ?? opts.now,
  };
  if (fromAgent) {
    // Written in Connexease's panel with no customer named: filed under the conversation's contact.
    const by = m.customer ? {} : { contactBy: "address" as const };
    return [{ kind: "echo", eventKey: `echo:${id}`, ...common, ...by, ...(own === undefined ? { idDerived: true as const } : {}) }];
  }
  return [{ kind: "message", eventKey: `message:${id}`, ...common, ...(story ? { ephemeral: { kind: "story_mention" as const, url: story } } : {}) }];
}

function fromStateChange(m: ConnexeaseStateChange, opts: NormalizeOptions, ignored: (d: string) => InboundEvent[]): InboundEvent[] {
  const id = messageIdOf(m)!; // the schema requires one
  const state = m.state ?? m.status!;
  const status = typeof state === "string" ? stateMapping[state.trim().toLowerCase()] : undefined;
  if (!status) return ignored(`message ${id} state ${JSON.stringify(state)} is not a delivery report the hub tracks`);
  const at = timeOf(m.updated_at, m.timestamp, m.created_at) ?? opts.now;
  const reason = status === "failed" ? (m.error ?? m.reason ?? undefined) : undefined;
  return [
    {
      kind: "status",
      eventKey: `status:${id}:${status}`,
      providerMessageId: id,
      status,
      at,
      ...(reason ? { reason } : {}),
    },
  ];
}

function messageIdOf(m: { uuid?: string; id?: string | number }): string | undefined {
  return m.uuid ?? (m.id === undefined ? undefined : String(m.id));
}

/**
 * The id of a message that carries none of its own: a digest of what a resend repeats — the
 * conversation, who wrote (customer or agent), the time as sent, type, text and media URLs — so a
 * retry stores nothing new. Two messages alike in all of these (the same text, in the same
 * conversation, with no time, or the same time) are taken for one.
 */
export function derivedMessageId(m: ConnexeaseMessage): string {
  const side = m.agent !== null && m.agent !== undefined ? "agent" : "customer";
  const time = m.created_at ?? m.timestamp ?? m.sent_at ?? null;
  const media = [m.url ?? null, ...(m.attachments ?? []).map((a) => [a.type ?? null, a.url ?? null])];
  return `derived:${digest(JSON.stringify([m.conversation_uuid, side, time, m.type ?? null, m.content ?? "", media]))}`;
}

/**
 * The customer by `id`, else `uuid`, else phone number, else — named by nothing — the
 * conversation. A customer known both ways (a message with the id, another without) is two contacts.
 */
function contactOf(c: ConnexeaseCustomer, conversationUuid: string): ContactRef {
  const phone = c.phone_number?.replace(/\s+/g, "") || undefined;
  const own = c.id !== undefined ? String(c.id) : c.uuid;
  const externalId = own ?? (phone ? `phone:${phone}` : `conversation:${conversationUuid}`);
  return compact({
    externalId,
    // Replies are posted to the conversation, not to the person.
    address: conversationUuid,
    displayName: c.name?.trim() || c.username?.trim() || c.phone_number?.trim() || own || externalId,
    username: c.username ?? undefined,
    language: c.language ?? undefined,
  });
}

/** Attachment `type` → the hub's kind (assumed names: Connexease's custom channel shows "text" and "image"). */
const kinds: Record<string, AttachmentMeta["kind"]> = {
  image: "image",
  photo: "image",
  gif: "image",
  video: "video",
  audio: "audio",
  voice: "audio",
  ptt: "audio",
  file: "file",
  document: "file",
  sticker: "sticker",
  location: "location",
  contact: "contact",
  contacts: "contact",
  vcard: "contact",
  share: "share",
  reel: "reel",
  ig_reel: "reel",
  story_mention: "story_mention",
};

function attachmentsOf(m: ConnexeaseMessage): { attachments: AttachmentMeta[]; story?: string } {
  const listed = (m.attachments ?? []).map((a) => ({ type: a.type, url: a.url, name: a.name ?? a.file_name, mimeType: a.mime_type, size: a.size }));
  const type = m.type?.trim().toLowerCase();
  // A media message without an attachments list carries its media itself (type + url).
  const items = listed.length > 0 ? listed : type && type !== "text" ? [{ type, url: m.url, name: undefined, mimeType: undefined, size: undefined }] : [];
  let story: string | undefined;
  const attachments = items.map((a): AttachmentMeta => {
    const t = a.type?.trim().toLowerCase() || "other";
    const kind = kinds[t] ?? "other";
    if (kind === "story_mention") {
      // Meta forbids keeping story media: the mention is recorded, the URL only shown live.
      story ??= a.url ?? undefined;
      return { kind };
    }
    return compact({
      kind,
      ref: a.url ?? undefined,
      name: (a.name ?? undefined) || (kind === "other" ? t : undefined),
      mimeType: a.mimeType ?? undefined,
      size: a.size ?? undefined,
    });
  });
  return { attachments, story };
}

/** The first value that reads as a time, in epoch ms. */
export function timeOf(...values: Array<string | number | null | undefined>): number | undefined {
  for (const v of values) {
    const ms = parseTime(v);
    if (ms !== undefined) return ms;
  }
  return undefined;
}

function parseTime(v: string | number | null | undefined): number | undefined {
  if (v === null || v === undefined || v === "") return undefined;
  const n = typeof v === "number" ? v : /^\d+(\.\d+)?$/.test(v.trim()) ? Number(v) : undefined;
  if (n !== undefined) return Number.isFinite(n) && n > 0 ? Math.round(n < 1e12 ? n * 1000 : n) : undefined;
  // "2018-05-23 08:14:55.300273+00:00": ISO with a space, microseconds; no zone means UTC.
  const m = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}(?::\d{2})?)(?:\.(\d+))?\s*(Z|[+-]\d{2}:?\d{2})?$/i.exec(String(v).trim());
  if (!m) return undefined;
  const fraction = m[3] ? `.${m[3].slice(0, 3).padEnd(3, "0")}` : "";
  const zone = !m[4] ? "Z" : /^[+-]\d{4}$/.test(m[4]) ? `${m[4].slice(0, 3)}:${m[4].slice(3)}` : m[4].toUpperCase();
  const ms = Date.parse(`${m[1]}T${m[2]}${fraction}${zone}`);
  return Number.isNaN(ms) ? undefined : ms;
}

function parse<T extends z.ZodType>(schema: T, body: unknown, message: string): z.infer<T> {
  const parsed = schema.safeParse(body);
  if (!parsed.success) throw new ApiError(400, "malformed_payload", message, parsed.error.issues);
  return parsed.data;
}

/** Drops undefined fields, so stored JSON and test expectations carry only what Connexease sent. */
function compact<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
