import type { z } from "zod";
import type { AttachmentMeta } from "../kinds/message";
import type { TextLimit } from "../domain/text-limit";

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

/** Delivery statuses a provider can report; they only ever move forward (see `statusRank`). */
export type ReportedStatus = "sent" | "delivered" | "read" | "failed";

/**
 * The canonical inbound event every provider normalizes into.
 * `eventKey` is the provider's idempotency key for the event (unique per account, and distinct
 * between kinds: Meta's `mid` keys both a message and its deletion, so prefix the kind):
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
      /** The provider message id this one replies to, when the provider says. */
      replyTo?: string;
      /**
       * Content the hub may show live but must never store (Instagram story mentions): passed to
       * the agent's socket once, absent from D1 and from the replay log.
       */
      ephemeral?: { kind: "story_mention"; url: string };
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
      /** The customer unsent a message: its content leaves the history. */
      kind: "delete";
      eventKey: string;
      providerMessageId: string;
      contact: ContactRef;
      deletedAt: number;
    }
  | {
      /**
       * A message the business account itself sent: a reply the hub sent (reconciled with the
       * stored row by provider message id) or one sent from the provider's own app (recorded as outbound).
       */
      kind: "echo";
      eventKey: string;
      providerMessageId: string;
      contact: ContactRef;
      /**
       * "address": the provider did not say who the customer is (a Connexease agent message with
       * `customer: null`); the contact is the one replies to `contact.address` go to.
       */
      contactBy?: "address";
      /**
       * The id is the hub's digest of the message, not the provider's (Connexease messages without a
       * uuid): it can never equal a reply's id, so a reply of the hub with the same text, sent in the
       * last 10 minutes, is taken to be this echo.
       */
      idDerived?: true;
      text: string;
      attachments: AttachmentMeta[];
      sentAt: number;
    }
  | {
      /** A delivery report for an outbound message. */
      kind: "status";
      eventKey: string;
      providerMessageId: string;
      status: ReportedStatus;
      reason?: string;
      at: number;
      /** Meta read receipts: every earlier outbound message to this contact is read too. */
      contact?: ContactRef;
      cumulative?: boolean;
    }
  | {
      kind: "reaction";
      eventKey: string;
      providerMessageId: string;
      contact: ContactRef;
      action: "react" | "unreact";
      emoji: string | null;
      at: number;
    }
  | {
      /** Authentic, but of a kind the hub does not handle: acknowledged and logged. */
      kind: "ignored";
      eventKey: string;
      description: string;
    };

/** The raw request as it reached the hub: signatures are checked over these exact bytes. */
export type WebhookRequest = {
  /** The public URL the provider called (rebuilt on PUBLIC_BASE_URL behind a proxy). */
  url: string;
  method: string;
  headers: Headers;
  rawBody: Uint8Array;
};

/** The account a webhook or a send is for, credentials unsealed. */
export type AccountContext<Creds, Settings> = {
  accountId: string;
  creds: Creds;
  settings: Settings;
  /** This account's public receive URL (`…/webhooks/{provider}/{key}`): status callbacks go there too. */
  receiveUrl: string;
  now: number;
};

export type AuthResult =
  | {
      ok: true;
      /** A one-time value (Sinch nonce): the hub refuses the request if it saw this key before. */
      replayKey?: string;
    }
  | { ok: false; reason: string };

export type OutboundRequest =
  | { kind: "text"; to: string; text: string; /** the hub's message id, for providers that take an idempotency key */ messageId: number }
  | { kind: "edit"; to: string; providerMessageId: string; text: string; messageId: number };

export type SendContext<Creds, Settings> = AccountContext<Creds, Settings> & {
  /** When the customer last wrote on this ticket's contact (epoch ms), for reply windows and tags. */
  lastInboundAt: number | null;
  /**
   * Hands the hub a secret the adapter obtained with the credentials (a session JWT, an OAuth
   * token): every reason of this send is masked of it, as of the credentials themselves.
   */
  keepSecret?(value: string): void;
};

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

/** Whether a free-form reply may be sent now, and until when. */
export type ReplyWindow = { open: boolean; closesAt: number | null; reason?: string };

export type ActivationResult =
  | { status: "active"; credentialsPatch?: Record<string, unknown>; /** shown once to the admin, never stored in clear */ reveal?: Record<string, string> }
  | { status: "pending"; reason: string };

/**
 * One provider: authenticate, parse, normalize, send. Credentials arrive unsealed. A new provider
 * gives its kind, source name, schemas, `authenticate`, `normalize` and `send`, and is listed in
 * `registry.ts`; everything else is a capability with a default (no handshake, no edits, no webhook
 * registration, no reply window, no text limit, a JSON acknowledgement). Code elsewhere asks the
 * adapter what the provider can do, never its name.
 */
export interface ProviderAdapter<Creds = unknown, Settings = unknown> {
  kind: ProviderKind;
  /** How the channel is named to people ({{source}}, error messages): the app the customer wrote in. */
  sourceName: string;
  /** The hub can edit a message it sent (Telegram's editMessageText, the custom channel's `edit`). Absent: it cannot. */
  canEdit?: boolean;
  /** Points the provider's webhook at the account's receive URL (Telegram's setWebhook). Absent: the admin sets it on the provider's side. */
  registerWebhook?(ctx: AccountContext<Creds, Settings>): Promise<{ ok: true } | { ok: false; reason: string }>;
  credentialsSchema: z.ZodType<Creds>;
  settingsSchema: z.ZodType<Settings>;
  /**
   * Credentials the hub generates when a new account omits them (webhook secrets, tokens). A
   * generated value is shown once, in the answer that created the account, so the admin can give it
   * to the provider.
   */
  generatedCredentials?(): Partial<Creds>;
  /** Credential fields only the hub's activation sets (never an admin): refused in API bodies. */
  activationOnlyCredentials?: readonly string[];
  /** A GET handshake (Meta's hub.challenge): the answer, or null when the request is not one. */
  handshake?(url: URL, ctx: AccountContext<Creds, Settings>): Response | null;
  authenticate(req: WebhookRequest, ctx: AccountContext<Creds, Settings>): Promise<AuthResult>;
  /**
   * One receive URL serves every account of the provider-side app (Meta sends all Instagram
   * accounts of an app to its one callback URL): `recipients` names the accounts a request is for,
   * as the values of each account's `settings[setting]`, and `normalize` yields only the events of
   * the account in its context.
   */
  sharedReceiveUrl?: { setting: string; recipients(req: WebhookRequest): string[] };
  /** Throws ApiError(400) on a malformed payload. */
  normalize(req: WebhookRequest, ctx: AccountContext<Creds, Settings>): InboundEvent[];
  /** The 2xx answer the provider expects (Twilio: empty TwiML). Default: JSON. */
  acknowledge?(events: InboundEvent[]): Response;
  send(out: OutboundRequest, ctx: SendContext<Creds, Settings>): Promise<SendResult>;
  /**
   * The provider drops a repeated send of the same hub message (the custom channel's receiver
   * deduplicates on its id): a send whose outcome is unknown is sent again rather than failed.
   */
  repeatSafe?: boolean;
  /** The longest reply text the provider takes; the queue refuses a longer reply before storing it. Absent: the hub sets none. */
  textLimit?: TextLimit;
  /** The provider's reply window for free-form messages; absent = always open. */
  replyWindow?(settings: Settings, lastInboundAt: number | null, now: number): ReplyWindow;
  /** Run when an admin creates the account or asks to activate it (the custom channel's challenge). */
  activate?(ctx: AccountContext<Creds, Settings>): Promise<ActivationResult>;
}
