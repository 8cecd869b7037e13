import { z } from "zod";

// The subset of Meta's Instagram messaging webhook the hub reads
// (https://developers.facebook.com/docs/instagram-platform/webhooks/examples,
// https://developers.facebook.com/docs/messenger-platform/instagram/features/webhook).
// Every object is loose: Meta adds fields without notice, and only what we read is required.
// Ids stay strings: Instagram ids are 17+ digits, beyond what a JS number holds exactly.

const party = z.looseObject({ id: z.string().min(1) });

export const attachmentSchema = z.looseObject({
  /** image, audio, video, file, share, ig_reel / reel, story_mention, … (kept open). */
  type: z.string(),
  payload: z
    .looseObject({
      url: z.string().optional(),
      title: z.string().optional(),
    })
    .nullish(),
});

export const messageSchema = z.looseObject({
  mid: z.string().min(1),
  text: z.string().optional(),
  attachments: z.array(attachmentSchema).optional(),
  /** Sent by the business account itself (from the hub or from the Instagram app). */
  is_echo: z.boolean().optional(),
  /** The sender unsent message `mid`. */
  is_deleted: z.boolean().optional(),
  /** Content the API cannot deliver (GIFs, stickers, …). */
  is_unsupported: z.boolean().optional(),
  reply_to: z
    .looseObject({
      mid: z.string().optional(),
      story: z.looseObject({ url: z.string().optional(), id: z.string().optional() }).optional(),
    })
    .optional(),
  quick_reply: z.looseObject({ payload: z.string().optional() }).optional(),
});
export type MetaMessage = z.infer<typeof messageSchema>;

export const messagingEventSchema = z.looseObject({
  /** Documented on every event; optional so that one event lacking them is judged by its kind, not the whole POST. */
  sender: party.optional(),
  recipient: party.optional(),
  /** Epoch milliseconds. */
  timestamp: z.number(),
  message: messageSchema.optional(),
  /** messaging_seen: the last message of the business the customer has read. */
  read: z.looseObject({ mid: z.string().optional(), watermark: z.number().optional() }).optional(),
  /** message_reactions: `action` react | unreact; `emoji` absent on unreact. */
  reaction: z
    .looseObject({
      mid: z.string().min(1),
      action: z.string(),
      reaction: z.string().optional(),
      emoji: z.string().optional(),
    })
    .optional(),
  /** messaging_postbacks: an icebreaker or a template button; `mid` from Graph v11. */
  postback: z.looseObject({ mid: z.string().optional(), title: z.string().optional(), payload: z.string().optional() }).optional(),
  referral: z.looseObject({}).optional(),
});
export type MetaMessagingEvent = z.infer<typeof messagingEventSchema>;

export const entrySchema = z.looseObject({
  /** The business account's Instagram id. */
  id: z.string().min(1),
  /** When Meta sent the notification. */
  time: z.number().optional(),
  messaging: z.array(messagingEventSchema).optional(),
  /** Comments, mentions and other non-messaging fields: acknowledged, not handled. */
  changes: z.array(z.unknown()).optional(),
  /** Messages while another app controls the thread (handover protocol): not handled. */
  standby: z.array(z.unknown()).optional(),
});

export const webhookPayloadSchema = z.looseObject({
  object: z.string(),
  entry: z.array(entrySchema),
});

/** A Graph API error answer: `{"error":{"message","type","code","error_subcode","fbtrace_id"}}`. */
export const graphErrorSchema = z.looseObject({
  error: z.looseObject({
    message: z.string().optional(),
    type: z.string().optional(),
    code: z.number().optional(),
    error_subcode: z.number().optional(),
    is_transient: z.boolean().optional(),
    fbtrace_id: z.string().optional(),
  }),
});

/** The Send API's answer. */
export const sendResponseSchema = z.looseObject({
  recipient_id: z.string().optional(),
  message_id: z.string().min(1),
});
