import { z } from "zod";
import { attachmentKinds, messageStatuses } from "./message";

// How tickets and messages are shown: in the agents' frames, the API's answers and the chatbot's
// requests alike. The socket protocol (queue/protocol.ts) builds its frames from these.

const ticketId = z.number().int().positive();

/** Attachment metadata as stored and shown: the provider's reference, never the bytes. */
export const attachmentViewSchema = z.object({
  kind: z.enum(attachmentKinds),
  ref: z.string().optional(),
  name: z.string().optional(),
  mimeType: z.string().optional(),
  size: z.number().optional(),
  width: z.number().optional(),
  height: z.number().optional(),
  durationS: z.number().optional(),
});

/** A message's version in the other language: see docs/translation.md. */
export const messageTranslationSchema = z.object({ language: z.string(), text: z.string(), sourceLanguage: z.string().nullable() });

export const messageViewSchema = z.object({
  id: z.number().int(),
  ticketId,
  direction: z.enum(["in", "out", "note", "system"]),
  body: z.string(),
  attachments: z.array(attachmentViewSchema),
  status: z.enum(messageStatuses),
  statusReason: z.string().nullable(),
  authorId: z.string().nullable(),
  createdAt: z.number(),
  editedAt: z.number().nullable(),
  /** The customer unsent it; its content is gone. */
  deletedAt: z.number().nullable(),
  /** The customer's reaction (an emoji), if any. */
  reaction: z.string().nullable(),
  /**
   * An agent's reply or note: the `clientMsgId` its client chose, so that a client can match it
   * with what it sent and resend a failed reply (`"resend": true`) after a reload.
   */
  clientMsgId: z.string().optional(),
  /**
   * With a translating queue: the message in the agents' language — a customer message translated,
   * or the agent's own words behind a reply sent translated. See docs/translation.md.
   */
  translation: messageTranslationSchema.optional(),
  /**
   * In frames only: `body` (or `translation.text`) was cut to 4096 characters; the whole message is
   * in `GET /api/v1/tickets/{id}`. See docs/agent-protocol.md, "Sizes".
   */
  truncated: z.literal(true).optional(),
});
export type MessageView = z.infer<typeof messageViewSchema>;

/** Whether a free-form reply can reach the customer now, and until when (the provider's rule: Meta, WhatsApp). */
export const replyWindowViewSchema = z.object({
  open: z.boolean(),
  /** Epoch ms when it closes (or closed); null when the provider has none, or the customer never wrote. */
  closesAt: z.number().nullable(),
  /** The window's length: "24h", "7d"; "none" for providers without a window. */
  kind: z.string(),
});
export type ReplyWindowView = z.infer<typeof replyWindowViewSchema>;

export const ticketViewSchema = z.object({
  id: ticketId,
  accountId: z.string(),
  accountName: z.string(),
  /** The account's short Key (1-5 letters or digits) for conversation tabs; null when it has none (absent on tickets queued before it existed). */
  accountShortKey: z.string().nullable().optional(),
  provider: z.string(),
  contact: z.object({ id: z.number().int(), name: z.string(), username: z.string().nullable() }),
  subject: z.string().nullable(),
  createdAt: z.number(),
  /** In views of held tickets (hello, ticket.assigned, ticket.updated): */
  tags: z.array(z.string()).optional(),
  /** Customer messages after the agent's read mark. */
  unread: z.number().int().optional(),
  replyWindow: replyWindowViewSchema.optional(),
});
export type TicketView = z.infer<typeof ticketViewSchema>;
