import type { z } from "zod";
import type { AttachmentMeta } from "../db/schema";

export const providerKinds = ["telegram", "meta", "connexease", "twilio", "sinch", "custom"] as const;
export type ProviderKind = (typeof providerKinds)[number];

/** Who wrote, as the provider names them. */
export type ContactRef = {
  /** The provider's stable id of the customer. */
  externalId: string;
  /** Where replies go (Telegram chat id, IGSID, whatsapp:+E164, …). */
  address: string;
  displayName: string;
  username?: string;
  language?: string;
};

/**
 * The canonical inbound event every provider normalizes into.
 * `eventKey` is the provider's idempotency key for the event (unique per account):
 * an event whose key was already ingested stores nothing new.
 */
export type InboundEvent =
  | {
      kind: "message";
      eventKey: string;
      /** Unique per account (Telegram: "<chat id>:<message id>"). */
      providerMessageId: string;
      contact: ContactRef;
      text: string;
      attachments: AttachmentMeta[];
      /** Provider's time of the message, epoch ms. */
      sentAt: number;
    }
  | {
      kind: "edit";
      eventKey: string;
      providerMessageId: string;
      contact: ContactRef;
      text: string;
      attachments: AttachmentMeta[];
      editedAt: number;
    }
  | {
      /** Authentic, but of a kind the hub does not handle: acknowledged and logged. */
      kind: "ignored";
      eventKey: string;
      description: string;
    };

/** The raw request as it reached the hub: signatures are checked over these exact bytes. */
export type WebhookRequest = {
  /** The public URL the provider called. */
  url: string;
  headers: Headers;
  rawBody: Uint8Array;
};

export type OutboundRequest =
  | { kind: "text"; to: string; text: string }
  | { kind: "edit"; to: string; providerMessageId: string; text: string };

export type SendResult =
  | { ok: true; providerMessageId: string }
  | {
      ok: false;
      /** true: try again later (rate limit, 5xx, network); false: give up with `reason`. */
      retryable: boolean;
      retryAfterS?: number;
      reason: string;
      /** The credentials were refused: the account is flagged until an admin fixes them. */
      credentialsRejected?: boolean;
    };

/** One provider: authenticate, parse, normalize, send. Credentials arrive unsealed. */
export interface ProviderAdapter<Creds = unknown, Settings = unknown> {
  kind: ProviderKind;
  credentialsSchema: z.ZodType<Creds>;
  settingsSchema: z.ZodType<Settings>;
  /** null when authentic, else the reason (logged and stored on the account). */
  authenticate(req: WebhookRequest, creds: Creds): Promise<string | null>;
  /** Throws ApiError(400) on a malformed payload. */
  normalize(req: WebhookRequest): InboundEvent[];
  send(out: OutboundRequest, creds: Creds, settings: Settings): Promise<SendResult>;
}
