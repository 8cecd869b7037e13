import { z } from "zod";

// Connexease's outgoing webhooks (https://docs.connexease.com/webhook.html) list the events but
// publish no payload schema. The shape below is the one public integrations read:
// {"hook":"message.created","channel":{"uuid":…},"payload":{"conversation_uuid","content","customer","agent",…}}.
// Every object is loose, and only what the hub reads is required.

const id = z.union([z.string().min(1), z.number().int()]);
/** ISO-like strings ("2018-05-23 08:14:55.300273+00:00" in Connexease's examples) or epoch s/ms. */
const time = z.union([z.string(), z.number()]).nullish();

export const envelopeSchema = z.looseObject({
  hook: z.string().min(1),
  channel: z.looseObject({ uuid: z.string().min(1) }),
  payload: z.looseObject({}),
});

const ownId = {
  /** A message's own id: `uuid` (Connexease's objects carry uuids), else `id`. */
  uuid: z.string().min(1).optional(),
  id: id.optional(),
};
const hasId = (m: { uuid?: string; id?: string | number }) => m.uuid !== undefined || m.id !== undefined;

/**
 * The only public sample of `message.created` has `customer: {name, phone_number}`: no id. The
 * contact is then named by phone number, else by conversation (see normalize.ts).
 */
export const customerSchema = z.looseObject({
  id: id.optional(),
  uuid: z.string().min(1).optional(),
  name: z.string().nullish(),
  username: z.string().nullish(),
  phone_number: z.string().nullish(),
  language: z.string().nullish(),
});
export type ConnexeaseCustomer = z.infer<typeof customerSchema>;

export const attachmentSchema = z.looseObject({
  type: z.string().nullish(),
  url: z.string().nullish(),
  name: z.string().nullish(),
  file_name: z.string().nullish(),
  mime_type: z.string().nullish(),
  size: z.number().nullish(),
});

/** The `payload` of `message.created`. Its own `uuid`/`id` is optional: the public sample has none. */
export const messagePayloadSchema = z.looseObject({
  ...ownId,
  /** Replies go to the conversation: it is the contact's address. */
  conversation_uuid: z.string().min(1),
  content: z.string().nullish(),
  /** "text", "image", … as in Connexease's custom-channel messages. */
  type: z.string().nullish(),
  url: z.string().nullish(),
  attachments: z.array(attachmentSchema).nullish(),
  /** The customer of the conversation; null on a message an agent wrote in Connexease's panel. */
  customer: customerSchema.nullish(),
  /** Set when an agent (or the API user) wrote the message: then it is an echo of the business's own message. */
  agent: z.union([z.looseObject({}), z.string(), z.number()]).nullish(),
  /** Internal notes between agents never reach the customer. */
  private: z.boolean().nullish(),
  is_private: z.boolean().nullish(),
  created_at: time,
  timestamp: time,
  sent_at: time,
});
export type ConnexeaseMessage = z.infer<typeof messagePayloadSchema>;

/** The `payload` of `message.state_changed`: assumed to be the message with its new `state`. */
export const statePayloadSchema = z
  .looseObject({
    ...ownId,
    state: z.union([z.string(), z.number()]).optional(),
    status: z.union([z.string(), z.number()]).optional(),
    error: z.string().nullish(),
    reason: z.string().nullish(),
    updated_at: time,
    timestamp: time,
    created_at: time,
  })
  .refine(hasId, { message: "A message needs a uuid or an id", path: ["uuid"] })
  .refine((m) => m.state !== undefined || m.status !== undefined, { message: "A state change needs a state", path: ["state"] });
export type ConnexeaseStateChange = z.infer<typeof statePayloadSchema>;

/** POST /jwt/ → 200 (documented at https://docs.connexease.com/auth.html). */
export const loginResponseSchema = z.looseObject({
  token: z.string().min(1),
  /** true when the user must still pass a one-time password: the token alone will not do. */
  otp: z.boolean().nullish(),
  account: z.looseObject({ uuid: z.string().optional() }).nullish(),
});
