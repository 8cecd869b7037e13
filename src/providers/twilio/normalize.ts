import type { AttachmentMeta } from "../../kinds/message";
import { ApiError } from "../../errors";
import type { ContactRef, InboundEvent, ReportedStatus } from "../types";
import type { TwilioSettings } from "./config";
import { inboundMessageSchema, mediaUrlSchema, statusCallbackSchema, twilioRequestSchema, type InboundMessage } from "./schema";

const WHATSAPP = "whatsapp:";

/** Statuses that move a reply forward; the rest are acknowledged and ignored. */
const reported: Record<string, ReportedStatus> = {
  sent: "sent",
  delivered: "delivered",
  read: "read",
  failed: "failed",
  undelivered: "failed",
};

/** Statuses of a reply still on its way: the hub already shows it queued or sending. */
const inFlight = new Set(["queued", "accepted", "sending", "scheduled"]);

/** What Twilio's 63016 means, in the words agents see. */
export const WINDOW_CLOSED = "outside WhatsApp's 24-hour window: a template is needed";

/**
 * One Twilio Messaging webhook (its form parameters, first value of each name) → one canonical
 * event. Twilio's requests carry no time of their own: `now`, the time of receipt, stands in.
 * Throws ApiError(400, "malformed_payload") when the parameters are not a Messaging webhook.
 */
export function normalizeTwilioRequest(params: Record<string, string>, settings: Pick<TwilioSettings, "accountSid">, now: number): InboundEvent[] {
  const base = parse(twilioRequestSchema, params);
  const sid = base.MessageSid;
  const status = base.MessageStatus?.trim().toLowerCase();
  if (base.AccountSid !== settings.accountSid) {
    return [{ kind: "ignored", eventKey: status ? `status:${sid}:${status}` : `message:${sid}`, description: `request for Twilio account ${base.AccountSid}, not ${settings.accountSid}` }];
  }
  // An incoming message is "received"; a status callback names where an outbound one is.
  if (status && status !== "received") return [fromStatusCallback(params, now)];
  if (status === "received" || base.SmsStatus === "received" || params.Body !== undefined || params.NumMedia !== undefined) {
    return [fromMessage(parse(inboundMessageSchema, params), params, now)];
  }
  return [{ kind: "ignored", eventKey: `request:${sid}`, description: "Twilio request with neither a message nor a delivery status" }];
}

function fromStatusCallback(params: Record<string, string>, now: number): InboundEvent {
  const cb = parse(statusCallbackSchema, params);
  const twilioStatus = cb.MessageStatus.trim().toLowerCase();
  const eventKey = `status:${cb.MessageSid}:${twilioStatus}`;
  const status = reported[twilioStatus];
  if (!status) {
    const description = inFlight.has(twilioStatus)
      ? `Twilio status "${twilioStatus}": the reply is still on its way, nothing to move`
      : `Twilio status "${twilioStatus}" the hub does not track`;
    return { kind: "ignored", eventKey, description };
  }
  if (status !== "failed") return { kind: "status", eventKey, providerMessageId: cb.MessageSid, status, at: now };
  return { kind: "status", eventKey, providerMessageId: cb.MessageSid, status, reason: failureReason(twilioStatus, cb.ErrorCode, cb.ErrorMessage), at: now };
}

/** "Twilio error <code>", with what it means for 63016 and Twilio's own words when it sends them. */
export function failureReason(twilioStatus: string, errorCode: string | undefined, errorMessage: string | undefined): string {
  const code = errorCode?.trim();
  const detail = errorMessage?.trim();
  if (code === "63016") return `Twilio error 63016: ${WINDOW_CLOSED}`;
  const head = code ? `Twilio error ${code}` : `Twilio reported the message ${twilioStatus}`;
  return detail ? `${head}: ${detail}` : head;
}

function fromMessage(m: InboundMessage, params: Record<string, string>, now: number): InboundEvent {
  const eventKey = `message:${m.MessageSid}`;
  if (!m.From.startsWith(WHATSAPP)) {
    const channel = m.From.includes(":") ? m.From.slice(0, m.From.indexOf(":")) : "sms";
    return { kind: "ignored", eventKey, description: `message on the ${channel} channel: this account handles WhatsApp only` };
  }
  const attachments = [...mediaOf(params, m.NumMedia), ...locationOf(m)];
  const text = m.Body ?? "";
  if (text === "" && attachments.length === 0) {
    return { kind: "ignored", eventKey, description: "WhatsApp message without text, media or location (content the hub does not handle)" };
  }
  return compact({
    kind: "message",
    eventKey,
    providerMessageId: m.MessageSid,
    contact: contactOf(m),
    text,
    attachments,
    sentAt: now,
    replyTo: m.OriginalRepliedMessageSid || undefined,
  });
}

function contactOf(m: InboundMessage): ContactRef {
  const number = m.From.slice(WHATSAPP.length);
  return {
    // WaId is the number without "+"; From's number drops it too, so both name one contact.
    externalId: m.WaId?.trim() || number.replace(/^\+/, ""),
    // Twilio wants "whatsapp:+E164" back in To.
    address: m.From,
    displayName: m.ProfileName?.trim() || number,
  };
}

/** MediaUrl{i} / MediaContentType{i} for i < NumMedia (or while present, when NumMedia is absent). */
function mediaOf(params: Record<string, string>, numMedia: string | undefined): AttachmentMeta[] {
  const n = numMedia !== undefined ? Number(numMedia) : countWhile((i) => params[`MediaUrl${i}`] !== undefined);
  const out: AttachmentMeta[] = [];
  for (let i = 0; i < n; i++) {
    const url = mediaUrlSchema.safeParse(params[`MediaUrl${i}`]);
    if (!url.success) {
      throw new ApiError(400, "malformed_payload", "The body is not a Twilio Messaging webhook", [
        { path: [`MediaUrl${i}`], message: `NumMedia is ${n} but MediaUrl${i} is ${params[`MediaUrl${i}`] === undefined ? "missing" : "not a URL"}` },
      ]);
    }
    const mimeType = params[`MediaContentType${i}`]?.trim() || undefined;
    out.push(compact({ kind: kindOf(mimeType), ref: url.data, mimeType }));
  }
  return out;
}

function kindOf(mimeType: string | undefined): AttachmentMeta["kind"] {
  const top = mimeType?.split("/")[0]?.toLowerCase();
  return top === "image" || top === "audio" || top === "video" ? top : "file";
}

function locationOf(m: InboundMessage): AttachmentMeta[] {
  if (m.Latitude === undefined && m.Longitude === undefined) return [];
  if (m.Latitude === undefined || m.Longitude === undefined) {
    const missing = m.Latitude === undefined ? "Latitude" : "Longitude";
    throw new ApiError(400, "malformed_payload", "The body is not a Twilio Messaging webhook", [{ path: [missing], message: `a location needs both Latitude and Longitude` }]);
  }
  return [compact({ kind: "location", ref: `${m.Latitude},${m.Longitude}`, name: m.Label?.trim() || m.Address?.trim() || undefined })];
}

function countWhile(present: (i: number) => boolean): number {
  let i = 0;
  while (i < 100 && present(i)) i++;
  return i;
}

function parse<T>(schema: { safeParse(v: unknown): { success: true; data: T } | { success: false; error: { issues: unknown } } }, params: Record<string, string>): T {
  const parsed = schema.safeParse(params);
  if (!parsed.success) throw new ApiError(400, "malformed_payload", "The body is not a Twilio Messaging webhook", parsed.error.issues);
  return parsed.data;
}

/** Drops undefined fields, so stored JSON and test expectations carry only what Twilio sent. */
function compact<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
