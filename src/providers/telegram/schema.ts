import { z } from "zod";

// The subset of the Bot API's Update the hub reads (https://core.telegram.org/bots/api#update).
// Every object is loose: Telegram adds fields without notice, and only what we read is required.

const id = z.number().int();

export const userSchema = z.looseObject({
  id,
  first_name: z.string().optional(),
  last_name: z.string().optional(),
  username: z.string().optional(),
  language_code: z.string().optional(),
});

export const chatSchema = z.looseObject({
  id,
  /** "private" | "group" | "supergroup" | "channel" (kept open: Telegram may add kinds). */
  type: z.string(),
});

const file = {
  file_id: z.string(),
  file_size: z.number().int().optional(),
};

const photoSizeSchema = z.looseObject({ ...file, width: z.number().int(), height: z.number().int() });

const documentSchema = z.looseObject({ ...file, file_name: z.string().optional(), mime_type: z.string().optional() });

const voiceSchema = z.looseObject({ ...file, duration: z.number().optional(), mime_type: z.string().optional() });

const audioSchema = z.looseObject({
  ...file,
  duration: z.number().optional(),
  file_name: z.string().optional(),
  title: z.string().optional(),
  mime_type: z.string().optional(),
});

const videoSchema = z.looseObject({
  ...file,
  width: z.number().int().optional(),
  height: z.number().int().optional(),
  duration: z.number().optional(),
  file_name: z.string().optional(),
  mime_type: z.string().optional(),
});

const videoNoteSchema = z.looseObject({ ...file, length: z.number().int().optional(), duration: z.number().optional() });

const stickerSchema = z.looseObject({
  ...file,
  width: z.number().int().optional(),
  height: z.number().int().optional(),
  emoji: z.string().optional(),
  is_animated: z.boolean().optional(),
  is_video: z.boolean().optional(),
});

const locationSchema = z.looseObject({ latitude: z.number(), longitude: z.number() });

const venueSchema = z.looseObject({ location: locationSchema, title: z.string().optional() });

const contactSchema = z.looseObject({
  phone_number: z.string(),
  first_name: z.string().optional(),
  last_name: z.string().optional(),
});

export const messageSchema = z.looseObject({
  message_id: id,
  /** Absent for channel posts. */
  from: userSchema.optional(),
  chat: chatSchema,
  /** Unix seconds. */
  date: z.number().int(),
  /** Unix seconds; set on every `edited_message`. */
  edit_date: z.number().int().optional(),
  text: z.string().optional(),
  caption: z.string().optional(),
  /** Sizes of one photo, smallest first. */
  photo: z.array(photoSizeSchema).optional(),
  /** GIFs and soundless H.264 videos; Telegram also sets `document` on these. */
  animation: videoSchema.optional(),
  document: documentSchema.optional(),
  voice: voiceSchema.optional(),
  audio: audioSchema.optional(),
  video: videoSchema.optional(),
  video_note: videoNoteSchema.optional(),
  sticker: stickerSchema.optional(),
  /** Telegram also sets `location` on venues. */
  venue: venueSchema.optional(),
  location: locationSchema.optional(),
  contact: contactSchema.optional(),
});
export type TelegramMessage = z.infer<typeof messageSchema>;

export const updateSchema = z.looseObject({
  update_id: id,
  message: messageSchema.optional(),
  edited_message: messageSchema.optional(),
});
export type TelegramUpdate = z.infer<typeof updateSchema>;

/**
 * Update kinds the hub recognizes but does not handle; an Update carries at most one.
 * Listed so an ignored event names its kind; anything else is reported by its field name.
 */
export const otherUpdateKinds = [
  "channel_post",
  "edited_channel_post",
  "business_connection",
  "business_message",
  "edited_business_message",
  "deleted_business_messages",
  "message_reaction",
  "message_reaction_count",
  "inline_query",
  "chosen_inline_result",
  "callback_query",
  "shipping_query",
  "pre_checkout_query",
  "purchased_paid_media",
  "poll",
  "poll_answer",
  "my_chat_member",
  "chat_member",
  "chat_join_request",
  "chat_boost",
  "removed_chat_boost",
] as const;

/** The Bot API's answer to every method: `result` on success, else `error_code` and `description`. */
export const botApiResponseSchema = z.looseObject({
  ok: z.boolean(),
  result: z.unknown().optional(),
  error_code: z.number().int().optional(),
  description: z.string().optional(),
  parameters: z
    .looseObject({
      retry_after: z.number().optional(),
    })
    .optional(),
});

/** The `result` of sendMessage / editMessageText when the message is in a chat (not inline). */
export const sentMessageSchema = z.looseObject({
  message_id: id,
  chat: z.looseObject({ id }),
});
