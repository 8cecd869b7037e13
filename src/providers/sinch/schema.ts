import { z } from "zod";

// The subset of Conversation API callbacks the hub reads
// (https://developers.sinch.com/docs/conversation/callbacks). Every callback carries the common
// top-level fields plus exactly one trigger-specific field. Objects are loose: Sinch adds fields.

export const channelIdentitySchema = z.looseObject({
  /** "WHATSAPP", "SMS", "MESSENGER", … (kept open: Sinch adds channels). */
  channel: z.string(),
  /** The contact on that channel: a phone number for WhatsApp (with or without "+"). */
  identity: z.string().min(1),
  app_id: z.string().optional(),
});

const coordinatesSchema = z.looseObject({ latitude: z.number(), longitude: z.number() });

/** Message contents: one of these per message (contact_message of inbound, app_message of outbound). */
export const messageContentSchema = z.looseObject({
  text_message: z.looseObject({ text: z.string() }).optional(),
  media_message: z
    .looseObject({
      url: z.string().min(1),
      thumbnail_url: z.string().optional(),
      filename_override: z.string().optional(),
    })
    .optional(),
  media_card_message: z.looseObject({ url: z.string().min(1), caption: z.string().optional() }).optional(),
  location_message: z
    .looseObject({
      coordinates: coordinatesSchema,
      title: z.string().optional(),
      label: z.string().optional(),
    })
    .optional(),
  choice_response_message: z
    .looseObject({ message_id: z.string().optional(), postback_data: z.string().optional() })
    .optional(),
  fallback_message: z
    .looseObject({
      raw_message: z.string().optional(),
      reason: z.looseObject({ code: z.string().optional(), description: z.string().optional() }).optional(),
    })
    .optional(),
  /** Set when the contact replied to an earlier message. */
  reply_to: z.looseObject({ message_id: z.string() }).optional(),
});
export type SinchMessageContent = z.infer<typeof messageContentSchema>;

export const conversationMessageSchema = z.looseObject({
  /** Sinch's message id: the idempotency key of the message. */
  id: z.string().min(1),
  /** TO_APP: the contact wrote; TO_CONTACT: the business sent it. */
  direction: z.string().optional(),
  contact_message: messageContentSchema.optional(),
  app_message: messageContentSchema.optional(),
  channel_identity: channelIdentitySchema,
  conversation_id: z.string().optional(),
  contact_id: z.string().optional(),
  accept_time: z.string().optional(),
});
export type SinchConversationMessage = z.infer<typeof conversationMessageSchema>;

export const deliveryReportSchema = z.looseObject({
  message_id: z.string().min(1),
  /** QUEUED_ON_CHANNEL, DELIVERED, READ, FAILED, SWITCHING_CHANNEL (kept open). */
  status: z.string().min(1),
  channel_identity: channelIdentitySchema.optional(),
  reason: z
    .looseObject({
      code: z.string().optional(),
      description: z.string().optional(),
      sub_code: z.string().optional(),
    })
    .optional(),
});
export type SinchDeliveryReport = z.infer<typeof deliveryReportSchema>;

export const callbackSchema = z.looseObject({
  app_id: z.string(),
  project_id: z.string().optional(),
  /** ISO 8601: when Sinch accepted the channel callback. */
  accepted_time: z.string().optional(),
  /** ISO 8601: the channel's time of the event. */
  event_time: z.string().optional(),
  message: conversationMessageSchema.optional(),
  message_delivery_report: deliveryReportSchema.optional(),
});
export type SinchCallback = z.infer<typeof callbackSchema>;

/**
 * Trigger-specific fields of callbacks the hub recognizes but does not handle; a callback carries one.
 * Listed so an ignored event names its kind; anything else is reported by its field name.
 */
export const otherCallbackFields = [
  "event",
  "event_delivery_report",
  "message_submit_notification",
  "conversation_start_notification",
  "conversation_stop_notification",
  "conversation_delete_notification",
  "contact_create_notification",
  "contact_delete_notification",
  "contact_merge_notification",
  "contact_update_notification",
  "contact_identities_duplication_notification",
  "capability_notification",
  "opt_in_notification",
  "opt_out_notification",
  "channel_event_notification",
  "unsupported_callback",
  "smart_conversation_notification",
  "message_inbound_smart_conversation_redaction",
  "record_notification",
  "batch_status_update_notification",
] as const;

/** The OAuth2 token endpoint's answer to a client-credentials grant. */
export const tokenResponseSchema = z.looseObject({
  access_token: z.string().min(1),
  /** Seconds; Sinch issues tokens for about an hour. */
  expires_in: z.number().positive().optional(),
  token_type: z.string().optional(),
});

/** messages:send accepted the message. */
export const sendResponseSchema = z.looseObject({
  message_id: z.string().min(1),
  accepted_time: z.string().optional(),
});
