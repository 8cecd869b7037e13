import { claimOutbound, loadOutbound, OUTCOME_UNKNOWN_PREFIX, recordOutcome, releaseClaim, settleExpiredClaim, type OutboundRow, type SendOutcome } from "../db/outbox";
import { retryDelayS, SEND_LEASE_MS } from "../domain/backoff";
import { firstName } from "../domain/templates";
import type { Env } from "../env";
import { adapterFor } from "../providers/registry";
import type { OutboundRequest, SendResult } from "../providers/types";
import type { MessageView } from "../kinds/views";
import { receiveUrl } from "../domain/public-url";
import { accountSecrets, maskSecrets } from "../security/redact";
import { enqueueDelivery } from "./enqueue";
import type { FirstAttempt } from "./first-attempts";
import { openCredentials } from "./opened-credentials";
import { replyLap } from "../db/meter";

export type DeliveryOutcome =
  | { done: true }
  /** Try again after this many seconds (provider hint or backoff). */
  | { done: false; retryAfterS?: number; reason: string };

/** Tells a reply's author what became of it (a `delivery` frame); system messages have no author to tell. */
export type TellAuthor = (status: MessageView["status"], reason: string | null) => Promise<void> | void;

/**
 * What a reply whose attempt died mid-send is marked with (status `failed`): the provider may or
 * may not have it. The agent may resend it (`resend: true` with the same clientMsgId).
 */
export const OUTCOME_UNKNOWN =
  `${OUTCOME_UNKNOWN_PREFIX} the attempt was interrupted after the provider was called, so the customer may or may not have this reply; it was not sent again to avoid a duplicate`;

/**
 * The Queue's delivery of one stored message (a retry, a system message, a resend). The message
 * is claimed (`queued` → `sending`) before the provider is called, so a redelivered Queue message
 * never sends twice: a claim left by a crashed attempt is settled by `resolveExpiredClaim`.
 */
export async function deliverReply(env: Env, messageId: number, now = Date.now()): Promise<DeliveryOutcome> {
  // Claim and read in one round trip: the claim's result says whether the row is ours to send.
  const { claimed, row } = await claimOutbound(env.DB, messageId, now);
  if (!row) return { done: true };
  if (!claimed) {
    if (row.status !== "sending") return { done: true }; // already sent or failed: a redelivery sends nothing
    if (now - (row.claimed_at ?? 0) < SEND_LEASE_MS) return { done: false, retryAfterS: SEND_LEASE_MS / 1000, reason: "another attempt is sending" };
    await settleClaim(env, row, now);
    return { done: true };
  }
  return attempt(env, row, tellOverRpc(env, row));
}

/**
 * Sends a reply that the batch storing it also claimed (`src/db/replies.ts`): the queue object
 * calls this as soon as the reply is in D1, so a reply costs one D1 round trip to store and one to
 * record its outcome. A retryable failure goes on the Queue, which retries it with backoff; an
 * attempt that dies here leaves the claim to the sweep (`resolveExpiredClaim`), as in the consumer.
 */
export async function deliverClaimed(env: Env, row: OutboundRow, tell: TellAuthor): Promise<void> {
  try {
    const outcome = await attempt(env, row, tell);
    if (!outcome.done) await enqueueDelivery(env, { id: row.id, ticketId: row.ticket_id }, { delaySeconds: retryDelayS(row.attempts, outcome.retryAfterS) });
  } catch (err) {
    console.error(JSON.stringify({ event: "outbox_inline_delivery_error", messageId: row.id, error: String(err) }));
  }
}

/** One send of a claimed message, its outcome recorded and its author told. */
async function attempt(env: Env, row: OutboundRow, tell: TellAuthor): Promise<DeliveryOutcome> {
  const result = await send(row, { kind: "text", to: row.address, text: customerText(row), messageId: row.id }, env);
  replyLap(row.ticket_id, row.client_msg_id, "5_provider");
  if (result.ok) {
    await finish(env, row, { status: "sent", providerMessageId: result.providerMessageId }, tell);
    replyLap(row.ticket_id, row.client_msg_id, "6_outcome", true);
    return { done: true };
  }
  if (result.retryable) {
    // Only while the claim is still ours: a sweep may have settled it meanwhile.
    await releaseClaim(env.DB, row.id, result.reason, Date.now());
    await tell("queued", `will retry: ${result.reason}`);
    return { done: false, retryAfterS: result.retryAfterS, reason: result.reason };
  }
  await finish(env, row, { status: "failed", reason: result.reason, credentialsRejected: result.credentialsRejected }, tell);
  return { done: true };
}

/**
 * Settles a reply left `sending` past its lease (the attempt died mid-send): sent again where the
 * provider makes a repeat harmless, else failed as "outcome unknown". Its author is told either way.
 */
export async function resolveExpiredClaim(env: Env, messageId: number, now = Date.now()): Promise<"requeued" | "unknown" | "none"> {
  const row = await loadOutbound(env.DB, messageId);
  if (!row || row.status !== "sending" || now - (row.claimed_at ?? 0) < SEND_LEASE_MS) return "none";
  return settleClaim(env, row, now);
}

async function settleClaim(env: Env, row: OutboundRow, now: number): Promise<"requeued" | "unknown" | "none"> {
  const tell = tellOverRpc(env, row);
  const neverSent = (await firstAttemptStopped(env, row)) === "storing";
  if (neverSent || adapterFor(row.provider)?.repeatSafe) {
    const reason = neverSent
      ? "the first attempt stopped before the provider was called; sending now"
      : "the last attempt was interrupted; sending again (the channel drops a repeat of the same message id)";
    if (!(await settleExpiredClaim(env.DB, { id: row.id, claimedAt: row.claimed_at, to: "queued", reason }, now))) return "none";
    await enqueueDelivery(env, { id: row.id, ticketId: row.ticket_id });
    await tell("queued", `will retry: ${reason}`);
    return "requeued";
  }
  if (!(await settleExpiredClaim(env.DB, { id: row.id, claimedAt: row.claimed_at, to: "failed", reason: OUTCOME_UNKNOWN }, now))) return "none";
  await tell("failed", OUTCOME_UNKNOWN);
  return "unknown";
}

/**
 * A reply's first attempt is made by the queue object that stored it, which marks how far it got
 * (`first-attempts.ts`): "storing" means the provider was never called. Null when the object has
 * no mark (the attempt was the consumer's, the ticket moved queues) or cannot be asked.
 */
async function firstAttemptStopped(env: Env, row: OutboundRow): Promise<FirstAttempt | null> {
  if (row.direction !== "out" || row.client_msg_id === null || row.attempts !== 1) return null;
  try {
    return await env.QUEUE_OBJECT.getByName(row.queue_id).firstAttemptStopped(row.ticket_id, row.client_msg_id);
  } catch (err) {
    console.error(JSON.stringify({ event: "outbox_first_attempt_unknown", messageId: row.id, error: String(err) }));
    return null;
  }
}

/** Sends an agent's edit of an already sent reply. Failures are reported; the stored text stays edited. */
export async function deliverEdit(env: Env, messageId: number): Promise<DeliveryOutcome> {
  const row = await loadOutbound(env.DB, messageId);
  if (!row?.provider_message_id) return { done: true };
  const result = await send(row, { kind: "edit", to: row.address, providerMessageId: row.provider_message_id, text: customerText(row), messageId: row.id }, env);
  if (result.ok) return { done: true };
  if (result.retryable) return { done: false, retryAfterS: result.retryAfterS, reason: result.reason };
  await tellOverRpc(env, row)(row.status, `edit not delivered: ${result.reason}`);
  return { done: true };
}

/** Queue retries ran out: the reply is failed with the last reason, and its author told. */
export async function giveUp(env: Env, messageId: number, op: "send" | "edit") {
  const row = await loadOutbound(env.DB, messageId);
  if (!row) return;
  const tell = tellOverRpc(env, row);
  if (op === "edit") return tell(row.status, "edit not delivered: retries exhausted");
  if (row.status !== "queued" && row.status !== "sending") return;
  await finish(env, row, { status: "failed", reason: `retries exhausted${row.status_reason ? `: ${row.status_reason}` : ""}` }, tell);
}

/**
 * What the customer reads: an agent's reply prefixed with the agent's name as the account's
 * Display Name Format says ("Ayşe: …", "Ayşe Yılmaz: …"); the stored body stays as written.
 */
export function customerText(row: Pick<OutboundRow, "body" | "direction" | "author_name" | "conversation">): string {
  if (row.direction !== "out" || !row.author_name) return row.body;
  let format: unknown;
  try {
    format = (JSON.parse(row.conversation) as { displayNameFormat?: unknown }).displayNameFormat;
  } catch {
    return row.body;
  }
  const name = format === "full" ? row.author_name.trim() : format === "first" ? firstName(row.author_name) : "";
  return name ? `${name}: ${row.body}` : row.body;
}

/**
 * Calls the provider, unless its reply window is closed: then the reply fails here, before any
 * call. Every reason leaves masked of the account's secrets (and tokens obtained with them).
 */
async function send(row: OutboundRow, out: OutboundRequest, env: Env): Promise<SendResult> {
  const adapter = adapterFor(row.provider);
  if (!adapter) return { ok: false, retryable: false, reason: `no adapter for provider ${row.provider}` };
  // A channel still proving its endpoint (custom, pending activation) holds its replies until it is active.
  if (row.account_status === "pending") return { ok: false, retryable: true, retryAfterS: 60, reason: "the channel is not activated yet" };
  let creds: unknown;
  let settings: unknown;
  try {
    ({ creds, settings } = await openCredentials(env.SECRETS_KEY, adapter, { id: row.account_id, credentials: row.credentials, settings: row.settings }));
  } catch {
    // The parser's message may quote the unsealed credentials: none of it goes into the reason.
    return { ok: false, retryable: false, reason: "the account's credentials or settings could not be read; save them again" };
  }
  const obtained: string[] = [];
  const result = await callAdapter(adapter, row, out, env, creds, settings, obtained);
  if (result.ok) return result;
  return { ...result, reason: await maskSecrets(result.reason, accountSecrets(creds, settings, obtained)) };
}

async function callAdapter(
  adapter: NonNullable<ReturnType<typeof adapterFor>>,
  row: OutboundRow,
  out: OutboundRequest,
  env: Env,
  creds: unknown,
  settings: unknown,
  obtained: string[],
): Promise<SendResult> {
  try {
    const now = Date.now();
    const window = adapter.replyWindow?.(settings, row.last_inbound_at, now);
    if (window && !window.open) return { ok: false, retryable: false, reason: window.reason ?? "reply window closed" };
    // Without a configured public origin the consumer cannot know the hub's URL; providers then skip status callbacks.
    const origin = env.PUBLIC_BASE_URL ? env.PUBLIC_BASE_URL.replace(/\/+$/, "") : "";
    return await adapter.send(out, {
      accountId: row.account_id,
      creds,
      settings,
      receiveUrl: origin ? receiveUrl(origin, row.provider, row.account_key) : "",
      now,
      lastInboundAt: row.last_inbound_at,
      keepSecret: (value) => obtained.push(value),
    });
  } catch (err) {
    return { ok: false, retryable: true, reason: `send failed: ${err instanceof Error ? err.message : String(err)}` };
  }
}

async function finish(env: Env, row: OutboundRow, outcome: SendOutcome, tell: TellAuthor) {
  const final = await recordOutcome(env.DB, { id: row.id, accountId: row.account_id }, outcome, Date.now());
  await tell(final.status, final.reason);
}

/** Outside the queue object (the consumer, the sweep), the author hears through it over RPC. */
function tellOverRpc(env: Env, row: OutboundRow): TellAuthor {
  return async (status, reason) => {
    if (!row.author_id) return;
    await env.QUEUE_OBJECT.getByName(row.queue_id).deliveryStatus({ agentId: row.author_id, ticketId: row.ticket_id, messageId: row.id, status, reason });
  };
}
