/**
 * Every `error.code` the hub answers with, its status and when. The document's Error schema takes
 * its enum from here; test/api/openapi-errors.test.ts reads the source for the codes raised and
 * fails on one missing here (or listed here and raised nowhere).
 */
export const errorCodes = {
  validation_failed: { status: 400, when: "A body, parameter or query does not match its schema, or names a query parameter the route does not take; `details` is `[{path, message}]`" },
  bad_request: { status: 400, when: "A request the route cannot carry out as asked (e.g. nothing to update)" },
  malformed_json: { status: 400, when: "The body is not JSON" },
  malformed_payload: { status: 400, when: "Webhooks: authentic, but not the provider's format; nothing stored" },
  disposition_required: { status: 400, when: "Closing without a disposition (or with one not in the list) where the account makes it mandatory" },
  unknown_disposition: { status: 400, when: "Closing with a disposition that is not one of the account's" },
  unauthorized: { status: 401, when: "No token, an unknown, expired or revoked one, an inactive user or a wrong login; a socket ticket unknown, used or expired; webhooks: a signature, token or nonce wrong or missing" },
  forbidden: { status: 403, when: "The caller's role does not allow the route (sockets: not a member of the queue)" },
  not_your_ticket: { status: 403, when: "An agent changing or closing a ticket they do not hold" },
  not_allowed: { status: 403, when: "Joining or leaving a queue yourself where the queue does not let agents" },
  erasure_not_allowed: { status: 403, when: "A supervisor erasing where the account's supervisorsMayDelete is off" },
  channel_not_active: { status: 403, when: "Webhooks: a custom channel not activated yet" },
  wrong_recipient: { status: 403, when: "Webhooks (Meta): the notification names another Instagram account than this receive URL's" },
  not_found: { status: 404, when: "No such entity or route, or not visible to the caller; webhooks: no account has this key, or it is another provider's" },
  method_not_allowed: { status: 405, when: "Webhooks: a GET on a receive URL whose provider has no subscription handshake" },
  request_timeout: { status: 408, when: "Webhooks: the body did not arrive in time (10 s)" },
  conflict: { status: 409, when: "Conflicts with existing data: a duplicate name, email or shortcut, a closed ticket, an entity still in use, an account changed meanwhile" },
  template_in_use: { status: 409, when: "Deleting a template an automatic message uses; `details.usedBy` says where" },
  payload_too_large: { status: 413, when: "Webhooks: the body passed 1 MiB" },
  unsupported_media_type: { status: 415, when: "A body that is not application/json" },
  upgrade_required: { status: 426, when: "Sockets: a plain GET without the WebSocket upgrade" },
  rate_limited: { status: 429, when: "Webhooks: a refusal past the rate limits; Retry-After: 60" },
  http_error: { status: "other", when: "Any other HTTP error the framework raises, with its own status" },
  internal: { status: 500, when: "An unexpected failure (logged)" },
  provider_error: { status: 502, when: "The provider refused a call made for you (Telegram setWebhook); `message` is its description" },
} as const satisfies Record<string, { status: number | "other"; when: string }>;

export type ErrorCode = keyof typeof errorCodes;
