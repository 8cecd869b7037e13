import { z } from "zod";

// The form parameters the hub reads from Twilio's webhooks
// (https://www.twilio.com/docs/messaging/guides/webhook-request and the status callback guide).
// Every value is a string; objects are loose because Twilio adds parameters without notice.

/** Twilio's SIDs: two letters and 32 hex digits; any short token without spaces is accepted. */
const sid = z.string().regex(/^[A-Za-z0-9]{2,64}$/, "Expected a Twilio SID");
const decimal = z.string().regex(/^[+-]?\d+(\.\d+)?$/, "Expected a decimal number");
const count = z.string().regex(/^\d{1,3}$/, "Expected a count");

/** What every Messaging webhook carries. */
export const twilioRequestSchema = z.looseObject({
  MessageSid: sid,
  AccountSid: sid,
  /** Status callbacks only: queued, sending, sent, delivered, read, undelivered, failed, … */
  MessageStatus: z.string().optional(),
  /** "received" on an incoming message; mirrors MessageStatus on callbacks. */
  SmsStatus: z.string().optional(),
});

/** An incoming message: "whatsapp:+E164" in From, the text in Body, media as MediaUrl{i}/MediaContentType{i}. */
export const inboundMessageSchema = z.looseObject({
  MessageSid: sid,
  From: z.string().min(1),
  To: z.string().optional(),
  Body: z.string().optional(),
  NumMedia: count.optional(),
  /** The sender's WhatsApp profile name. */
  ProfileName: z.string().optional(),
  /** The sender's WhatsApp id: the number in E.164 without "+". */
  WaId: z.string().optional(),
  /** A shared location. */
  Latitude: decimal.optional(),
  Longitude: decimal.optional(),
  Address: z.string().optional(),
  Label: z.string().optional(),
  /** The message this one quotes. */
  OriginalRepliedMessageSid: z.string().optional(),
});
export type InboundMessage = z.infer<typeof inboundMessageSchema>;

export const mediaUrlSchema = z.url();

export const statusCallbackSchema = z.looseObject({
  MessageSid: sid,
  MessageStatus: z.string().min(1),
  ErrorCode: z.string().regex(/^\d*$/, "Expected a Twilio error code").optional(),
  ErrorMessage: z.string().optional(),
});
export type StatusCallback = z.infer<typeof statusCallbackSchema>;

/** 201 from POST …/Messages.json (a Message resource; only what we read). */
export const messageResourceSchema = z.looseObject({
  sid: z.string().min(1),
  status: z.string().optional(),
});

/** Twilio's REST errors: {"code","message","more_info","status"}. */
export const restErrorSchema = z.looseObject({
  code: z.number().int().optional(),
  message: z.string().optional(),
  status: z.number().int().optional(),
});
