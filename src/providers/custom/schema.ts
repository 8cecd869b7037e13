import { z } from "zod";

// The hub's own inbound schema for custom channels (docs/custom-channel.md). Unlike a provider's
// payloads, these are ours: objects are strict, so a misspelt field is a 400 rather than data
// silently dropped.

export const MAX_BATCH = 100;
export const MAX_TEXT_CHARS = 20_000;
export const MAX_ATTACHMENTS = 20;

const id = z.string().min(1, "Must not be empty").max(256);

const isoDateTime = z.iso.datetime({ offset: true });

/** ISO 8601 with a time zone ("2025-05-01T10:00:00Z", "…+03:00") or epoch milliseconds → epoch ms. */
export const timestampSchema = z.unknown().transform((value, ctx): number => {
  if (typeof value === "number") {
    if (Number.isInteger(value) && value >= 1e11 && value <= 8.64e15) return value;
    const seconds = Number.isInteger(value) && value > 0 && value < 1e11;
    ctx.addIssue({
      code: "custom",
      message: seconds ? "Expected epoch milliseconds; this looks like seconds" : "Expected epoch milliseconds (a positive integer)",
    });
    return z.NEVER;
  }
  if (typeof value === "string" && isoDateTime.safeParse(value).success) return Date.parse(value);
  ctx.addIssue({ code: "custom", message: "Expected an ISO 8601 date-time with a time zone (2025-05-01T10:00:00Z) or epoch milliseconds" });
  return z.NEVER;
});

export const senderSchema = z.strictObject({
  /** The customer's stable id in the third party's system; replies are addressed to it. */
  id,
  name: z.string().trim().min(1, "Must not be empty").max(256),
  username: z.string().min(1).max(256).optional(),
  /** A language tag: "tr", "de-AT". */
  language: z
    .string()
    .regex(/^[A-Za-z]{2,8}(-[A-Za-z0-9]{1,8})*$/, "Expected a language tag like tr or de-AT")
    .optional(),
});

export const attachmentKinds = ["image", "audio", "video", "file", "location", "other"] as const;

export const attachmentSchema = z
  .strictObject({
    kind: z.enum(attachmentKinds),
    /** Where the agent can fetch it (https), or a geo: URI for a location. */
    url: z.url({ protocol: /^(https?|geo)$/, error: "Expected an http(s) URL or a geo: URI" }).max(2048).optional(),
    name: z.string().min(1).max(512).optional(),
    mimeType: z
      .string()
      .regex(/^[\w.+-]+\/[\w.+-]+$/, "Expected a MIME type like image/jpeg")
      .optional(),
    size: z.number().int().nonnegative().optional(),
  })
  .refine((a) => a.url !== undefined || a.name !== undefined, { message: "An attachment needs a url or a name" });

const content = {
  id,
  sender: senderSchema,
  text: z.string().max(MAX_TEXT_CHARS).optional(),
  attachments: z.array(attachmentSchema).max(MAX_ATTACHMENTS).optional(),
  timestamp: timestampSchema,
};

const hasContent = (m: { text?: string; attachments?: unknown[] }) => (m.text ?? "").trim() !== "" || (m.attachments?.length ?? 0) > 0;
const needsContent = { message: "Needs text or at least one attachment", path: ["text"] };

/** A customer's message; `id` is its idempotency key. */
export const messageItemSchema = z.strictObject({ type: z.literal("message").optional(), ...content }).refine(hasContent, needsContent);

/** The customer changed message `id`: the item carries its whole new content. */
export const editItemSchema = z.strictObject({ type: z.literal("edit"), ...content }).refine(hasContent, needsContent);

/** The customer deleted message `id`. */
export const deleteItemSchema = z.strictObject({ type: z.literal("delete"), id, sender: senderSchema, timestamp: timestampSchema });

export const reportedStatuses = ["sent", "delivered", "read", "failed"] as const;

/** What became of one of the hub's messages; `id` is the id the hub knows it by (docs: "Delivery statuses"). */
export const statusItemSchema = z.strictObject({
  type: z.literal("status"),
  id,
  status: z.enum(reportedStatuses),
  reason: z.string().min(1).max(1000).optional(),
  timestamp: timestampSchema,
});

/** An item of a type the hub does not know: acknowledged and ignored; only its id is required. */
export const otherItemSchema = z.looseObject({ type: z.string().min(1).max(64), id });

export const knownItemSchemas = {
  message: messageItemSchema,
  edit: editItemSchema,
  delete: deleteItemSchema,
  status: statusItemSchema,
} as const;

export type Sender = z.infer<typeof senderSchema>;
export type Attachment = z.infer<typeof attachmentSchema>;

/** The envelope; each item is validated on its own against the schema its `type` names. */
export const batchSchema = z.strictObject({
  messages: z.array(z.unknown()).min(1, "Send 1–100 items").max(MAX_BATCH, "Send 1–100 items"),
});

/** The outgoing webhook's answer to a message: its own id for it, optionally. */
export const sendAnswerSchema = z.looseObject({ id: z.union([z.string(), z.number()]).optional() });
