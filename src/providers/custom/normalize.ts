import type { z } from "zod";
import type { AttachmentMeta } from "../../kinds/message";
import { ApiError } from "../../errors";
import type { ContactRef, InboundEvent } from "../types";
import { batchSchema, knownItemSchemas, otherItemSchema, type Attachment, type Sender } from "./schema";

/** One validation problem, as the 400's `details` lists them: `messages.0.sender.name`. */
export type Issue = { path: string; message: string };

/**
 * The third party's customer messages share the account's id space with the ids it answers the
 * hub's sends with; prefixing inbound ones keeps a "42" of each apart.
 */
export const inboundMessageId = (id: string) => `in:${id}`;

/**
 * A batch `{"messages":[…]}` → canonical events, in order. Every item is validated before any is
 * returned: one bad item fails the whole batch with 400 and nothing is stored.
 */
export function normalizeCustomBatch(body: unknown): InboundEvent[] {
  const envelope = batchSchema.safeParse(body);
  if (!envelope.success) throw malformed(issuesOf(envelope.error, []));

  const issues: Issue[] = [];
  const events: InboundEvent[] = [];
  envelope.data.messages.forEach((item, i) => {
    const path = ["messages", i];
    const result = normalizeItem(item, path);
    if (Array.isArray(result)) issues.push(...result);
    else events.push(result);
  });
  if (issues.length > 0) throw malformed(issues);
  return events;
}

function normalizeItem(item: unknown, path: (string | number)[]): InboundEvent | Issue[] {
  if (typeof item !== "object" || item === null || Array.isArray(item)) return [{ path: path.join("."), message: "Expected an object" }];
  const type = (item as { type?: unknown }).type ?? "message";
  if (typeof type !== "string") return [{ path: [...path, "type"].join("."), message: "Expected a string" }];

  switch (type) {
    case "message": {
      const r = knownItemSchemas.message.safeParse(item);
      if (!r.success) return issuesOf(r.error, path);
      const m = r.data;
      return {
        kind: "message",
        eventKey: `message:${m.id}`,
        providerMessageId: inboundMessageId(m.id),
        contact: contactOf(m.sender),
        text: m.text ?? "",
        attachments: (m.attachments ?? []).map(attachmentOf),
        sentAt: m.timestamp,
      };
    }
    case "edit": {
      const r = knownItemSchemas.edit.safeParse(item);
      if (!r.success) return issuesOf(r.error, path);
      const m = r.data;
      return {
        kind: "edit",
        // A message may be edited many times; each edit is told apart by its time.
        eventKey: `edit:${m.id}:${m.timestamp}`,
        providerMessageId: inboundMessageId(m.id),
        contact: contactOf(m.sender),
        text: m.text ?? "",
        attachments: (m.attachments ?? []).map(attachmentOf),
        editedAt: m.timestamp,
      };
    }
    case "delete": {
      const r = knownItemSchemas.delete.safeParse(item);
      if (!r.success) return issuesOf(r.error, path);
      const m = r.data;
      return {
        kind: "delete",
        eventKey: `delete:${m.id}`,
        providerMessageId: inboundMessageId(m.id),
        contact: contactOf(m.sender),
        deletedAt: m.timestamp,
      };
    }
    case "status": {
      const r = knownItemSchemas.status.safeParse(item);
      if (!r.success) return issuesOf(r.error, path);
      const s = r.data;
      return {
        kind: "status",
        eventKey: `status:${s.id}:${s.status}`,
        providerMessageId: s.id,
        status: s.status,
        ...(s.reason !== undefined ? { reason: s.reason } : {}),
        at: s.timestamp,
      };
    }
    default: {
      const r = otherItemSchema.safeParse(item);
      if (!r.success) return issuesOf(r.error, path);
      return { kind: "ignored", eventKey: `other:${r.data.type}:${r.data.id}`, description: `item of unknown type "${r.data.type}" (id ${r.data.id})` };
    }
  }
}

function contactOf(s: Sender): ContactRef {
  return compact({ externalId: s.id, address: s.id, displayName: s.name, username: s.username, language: s.language });
}

function attachmentOf(a: Attachment): AttachmentMeta {
  return compact({ kind: a.kind, ref: a.url, name: a.name, mimeType: a.mimeType, size: a.size });
}

function issuesOf(error: z.ZodError, prefix: (string | number)[]): Issue[] {
  return error.issues.map((i) => ({ path: [...prefix, ...i.path].map(String).join("."), message: i.message }));
}

function malformed(details: Issue[]) {
  return new ApiError(400, "malformed_payload", 'The body is not a custom channel batch {"messages":[…]}', details);
}

/** Drops undefined fields, so stored JSON carries only what the third party sent. */
function compact<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
