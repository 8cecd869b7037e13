import type { AttachmentMeta } from "../../kinds/message";
import { ApiError } from "../../errors";
import type { ContactRef, InboundEvent } from "../types";
import { webhookPayloadSchema, type MetaMessage, type MetaMessagingEvent } from "./schema";

type Ephemeral = { kind: "story_mention"; url: string };

/**
 * One Meta webhook POST → canonical events, every entry and every messaging event of it, in
 * `timestamp` order (Meta batches and does not order). Pure.
 *
 * Only the entries of `igAccountId` count: Meta sends every Instagram account of an app to one
 * callback URL, and the other entries belong to the accounts they name (see `metaRecipients`).
 *
 * Throws ApiError(400) when `body` is not a notification, and ApiError(403 "wrong_recipient") when
 * an event of this account's entries names another Instagram account as its recipient (or, for an
 * echo, its sender): nothing of such a POST may be stored (the account is misconfigured).
 */
export function normalizeMetaPayload(body: unknown, igAccountId: string): InboundEvent[] {
  const parsed = webhookPayloadSchema.safeParse(body);
  if (!parsed.success) {
    throw new ApiError(400, "malformed_payload", "The body is not a Meta webhook notification", parsed.error.issues);
  }
  const payload = parsed.data;
  if (payload.object !== "instagram") {
    return [
      {
        kind: "ignored",
        eventKey: `object:${payload.object}:${fingerprint(body)}`,
        description: `a notification for object "${payload.object}" (only "instagram" is handled)`,
      },
    ];
  }

  const timed: { at: number; order: number; event: InboundEvent }[] = [];
  const add = (at: number, event: InboundEvent) => timed.push({ at, order: timed.length, event });
  payload.entry.forEach((entry, i) => {
    if (entry.id !== igAccountId) return;
    entry.messaging?.forEach((ev, j) => add(ev.timestamp, fromMessaging(ev, igAccountId, `entry.${i}.messaging.${j}`)));
    for (const item of entry.changes ?? []) {
      add(entry.time ?? 0, { kind: "ignored", eventKey: `change:${fingerprint(item)}`, description: `a "${changeField(item)}" change (not messaging)` });
    }
    for (const item of entry.standby ?? []) {
      add(entry.time ?? 0, { kind: "ignored", eventKey: `standby:${fingerprint(item)}`, description: "a standby event (another app controls the thread)" });
    }
  });
  // Stable: events with equal timestamps keep the order Meta sent them in.
  return timed.sort((a, b) => a.at - b.at || a.order - b.order).map((t) => t.event);
}

/**
 * The Instagram accounts a notification is for: its entries' ids. Empty when it is not an
 * Instagram notification (normalize then answers for the account whose URL was called).
 */
export function metaRecipients(body: unknown): string[] {
  if (typeof body !== "object" || body === null) return [];
  const { object, entry } = body as { object?: unknown; entry?: unknown };
  if (object !== "instagram" || !Array.isArray(entry)) return [];
  return entry.flatMap((e) => (typeof e === "object" && e !== null && typeof (e as { id?: unknown }).id === "string" ? [(e as { id: string }).id] : []));
}

function fromMessaging(ev: MetaMessagingEvent, igAccountId: string, path: string): InboundEvent {
  const m = ev.message;
  const fromBusiness = m?.is_echo === true;
  // The business account is the recipient of what customers do, and the sender of echoes.
  if (fromBusiness) {
    if (ev.sender?.id !== igAccountId) throw wrongRecipient(`${path}.sender.id`, ev.sender?.id, igAccountId);
  } else if (ev.recipient !== undefined && ev.recipient.id !== igAccountId) {
    throw wrongRecipient(`${path}.recipient.id`, ev.recipient.id, igAccountId);
  }
  const at = ev.timestamp;

  if (m) {
    // An echo is about the customer it went to; everything else about the customer who sent it.
    const contact = customer(fromBusiness ? ev.recipient : ev.sender, path, fromBusiness ? "recipient" : "sender");
    if (m.is_deleted) return { kind: "delete", eventKey: `delete:${m.mid}`, providerMessageId: m.mid, contact, deletedAt: at };
    if (m.is_unsupported) {
      return { kind: "ignored", eventKey: `unsupported:${m.mid}`, description: "a message with content the API does not deliver (GIF, sticker, …)" };
    }
    const { text, attachments, ephemeral } = contentOf(m);
    if (text === "" && attachments.length === 0) {
      return { kind: "ignored", eventKey: `${fromBusiness ? "echo" : "message"}:${m.mid}`, description: `${fromBusiness ? "an echo" : "a message"} without text or attachments` };
    }
    if (fromBusiness) return { kind: "echo", eventKey: `echo:${m.mid}`, providerMessageId: m.mid, contact, text, attachments, sentAt: at };
    return compact({
      kind: "message" as const,
      eventKey: `message:${m.mid}`,
      providerMessageId: m.mid,
      contact,
      text,
      attachments,
      sentAt: at,
      replyTo: m.reply_to?.mid,
      ephemeral,
    });
  }

  if (ev.read) {
    const mid = ev.read.mid;
    if (!mid) return { kind: "ignored", eventKey: `read:${fingerprint(ev)}`, description: "a read receipt without a message id" };
    return compact({
      kind: "status" as const,
      eventKey: `status:${mid}:read`,
      providerMessageId: mid,
      status: "read" as const,
      at,
      // Instagram reports the last message read: every earlier reply to this customer is read too.
      cumulative: true,
      contact: ev.sender ? contactOf(ev.sender.id) : undefined,
    });
  }

  if (ev.reaction) {
    const r = ev.reaction;
    if (r.action !== "react" && r.action !== "unreact") {
      return { kind: "ignored", eventKey: `reaction:${r.mid}:${at}:${r.action}`, description: `a reaction with action "${r.action}"` };
    }
    return {
      kind: "reaction",
      // A customer may react, unreact and react again: each is its own event; a retry repeats the timestamp.
      eventKey: `reaction:${r.mid}:${at}:${r.action}`,
      providerMessageId: r.mid,
      contact: customer(ev.sender, path, "sender"),
      action: r.action,
      emoji: r.action === "react" ? (r.emoji ?? r.reaction ?? null) : null,
      at,
    };
  }

  if (ev.postback) {
    const p = ev.postback;
    const contact = customer(ev.sender, path, "sender");
    const id = p.mid ?? `postback:${contact.externalId}:${at}`;
    const text = p.title ?? p.payload ?? "";
    if (text === "") return { kind: "ignored", eventKey: `postback:${id}`, description: "a postback without a title" };
    return { kind: "message", eventKey: `postback:${id}`, providerMessageId: id, contact, text, attachments: [], sentAt: at };
  }

  if (ev.referral) {
    return { kind: "ignored", eventKey: `referral:${fingerprint(ev)}`, description: "a referral (ig.me link or ad click) in an existing conversation" };
  }

  const kinds = Object.keys(ev).filter((k) => !["sender", "recipient", "timestamp"].includes(k));
  return { kind: "ignored", eventKey: `other:${fingerprint(ev)}`, description: `a messaging event of kind ${kinds.join(", ") || "(none)"}` };
}

/**
 * Text, attachments and the live-only story media of a message. A story mention keeps only the
 * fact (an attachment without a reference): Meta forbids storing story media, and the URL goes to
 * the agent's socket once as `ephemeral`.
 */
function contentOf(m: MetaMessage): { text: string; attachments: AttachmentMeta[]; ephemeral?: Ephemeral } {
  let ephemeral: Ephemeral | undefined;
  const attachments = (m.attachments ?? []).map((a): AttachmentMeta => {
    const url = a.payload?.url;
    switch (a.type) {
      case "image":
      case "audio":
      case "video":
      case "file":
        return compact({ kind: a.type, ref: url });
      case "share":
      case "ig_post":
        return compact({ kind: "share", ref: url, name: a.payload?.title });
      case "ig_reel":
      case "reel":
        return compact({ kind: "reel", ref: url, name: a.payload?.title });
      case "story_mention":
        if (url && !ephemeral) ephemeral = { kind: "story_mention", url };
        return { kind: "story_mention" };
      default:
        // Unknown kinds keep no URL: it might point at media the hub may not keep.
        return { kind: "other", name: a.type };
    }
  });
  return compact({ text: m.text ?? "", attachments, ephemeral });
}

/** Meta does not send names in the webhook: the IGSID stands in (a profile lookup is a separate call). */
function contactOf(igsid: string): ContactRef {
  return { externalId: igsid, address: igsid, displayName: igsid };
}

function customer(party: { id: string } | undefined, path: string, field: "sender" | "recipient"): ContactRef {
  if (!party) {
    throw new ApiError(400, "malformed_payload", "The body is not a Meta webhook notification", [
      { path: `${path}.${field}`.split("."), message: `A messaging event of this kind needs ${field}.id` },
    ]);
  }
  return contactOf(party.id);
}

function wrongRecipient(path: string, received: string | undefined, expected: string) {
  return new ApiError(
    403,
    "wrong_recipient",
    `The notification names Instagram account ${received ?? "(none)"}, not this account's ${expected}; nothing of it was stored`,
    { path, received: received ?? null },
  );
}

function changeField(item: unknown): string {
  const field = typeof item === "object" && item !== null ? (item as { field?: unknown }).field : undefined;
  return typeof field === "string" ? field : "unknown";
}

/**
 * A stable key for events without an id of their own: a retry carries the same bytes, hence the
 * same value (cyrb53, 53 bits, as hex).
 */
export function fingerprint(value: unknown): string {
  const s = JSON.stringify(value) ?? "";
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 2654435761);
    h2 = Math.imul(h2 ^ c, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return (4294967296 * (2097151 & h2) + (h1 >>> 0)).toString(16);
}

/** Drops undefined fields, so stored JSON and test expectations carry only what Meta sent. */
function compact<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
