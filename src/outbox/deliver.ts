import { settleExpiredClaim } from "../db/outbox";
import { SEND_LEASE_MS } from "../domain/backoff";
import { currentRankSql, reportRankSql } from "../domain/status";
import { firstName } from "../domain/templates";
import type { Env } from "../env";
import { adapterFor } from "../providers/registry";
import type { OutboundRequest, ProviderKind, SendResult } from "../providers/types";
import type { MessageView } from "../kinds/views";
import { receiveUrl } from "../domain/public-url";
import { unseal } from "../security/crypto";
import { accountSecrets, maskSecrets } from "../security/redact";

export type DeliveryOutcome =
  | { done: true }
  /** Try again after this many seconds (provider hint or backoff). */
  | { done: false; retryAfterS?: number; reason: string };

type OutboundRow = {
  id: number;
  ticket_id: number;
  body: string;
  status: MessageView["status"];
  claimed_at: number | null;
  attempts: number;
  author_id: string | null;
  provider_message_id: string | null;
  account_id: string;
  account_key: string;
  account_status: "active" | "pending" | "error";
  provider: ProviderKind;
  last_inbound_at: number | null;
  settings: string;
  credentials: string;
  queue_id: string;
  address: string;
  direction: "out" | "system";
  /** The account's conversation settings (JSON): how the author's name is shown. */
  conversation: string;
  /** The author's users.display_name, for an agent's reply. */
  author_name: string | null;
};

const LOAD = `
  SELECT m.id, m.ticket_id, m.body, m.status, m.claimed_at, m.attempts, m.author_id, m.provider_message_id, m.direction,
         a.id AS account_id, a.key AS account_key, a.status AS account_status, a.provider, a.settings, a.credentials, t.queue_id, c.address,
         a.conversation, u.display_name AS author_name,
         (SELECT max(coalesce(i.sent_at, i.created_at)) FROM messages i JOIN tickets it ON it.id = i.ticket_id
          WHERE it.contact_id = t.contact_id AND i.direction = 'in') AS last_inbound_at
  FROM messages m JOIN tickets t ON t.id = m.ticket_id JOIN contacts c ON c.id = t.contact_id
  JOIN channel_accounts a ON a.id = m.account_id
  LEFT JOIN users u ON u.id = m.author_id
  WHERE m.id = ?1 AND m.direction IN ('out', 'system')`;

/**
 * What a reply whose attempt died mid-send is marked with (status `failed`): the provider may or
 * may not have it. The agent may resend it (`resend: true` with the same clientMsgId).
 */
export const OUTCOME_UNKNOWN_PREFIX = "outcome unknown:";
export const OUTCOME_UNKNOWN =
  `${OUTCOME_UNKNOWN_PREFIX} the attempt was interrupted after the provider was called, so the customer may or may not have this reply; it was not sent again to avoid a duplicate`;

/**
 * Sends one stored reply through its provider. A send is claimed (`queued` → `sending`) before the
 * provider is called, so a redelivered queue message never sends twice: a claim left by a crashed
 * attempt is settled by `resolveExpiredClaim`.
 */
export async function deliverReply(env: Env, messageId: number, now = Date.now()): Promise<DeliveryOutcome> {
  // Claim and read in one round trip: the row read after the claim says whether it was ours.
  const [claim, loaded] = await env.DB.batch<OutboundRow>([
    env.DB.prepare(
      "UPDATE messages SET status = 'sending', claimed_at = ?2, attempts = attempts + 1, updated_at = ?2 WHERE id = ?1 AND status = 'queued' AND direction IN ('out', 'system') RETURNING id",
    ).bind(messageId, now),
    env.DB.prepare(LOAD).bind(messageId),
  ]);
  const row = loaded?.results[0];
  if (!row) return { done: true };
  if (!claim?.results.length) {
    if (row.status !== "sending") return { done: true }; // already sent or failed: a redelivery sends nothing
    if (now - (row.claimed_at ?? 0) < SEND_LEASE_MS) return { done: false, retryAfterS: SEND_LEASE_MS / 1000, reason: "another attempt is sending" };
    await settleClaim(env, row, now);
    return { done: true };
  }

  const result = await send(row, { kind: "text", to: row.address, text: customerText(row), messageId: row.id }, env);
  if (result.ok) {
    await finish(env, row, { status: "sent", providerMessageId: result.providerMessageId }, Date.now());
    return { done: true };
  }
  if (result.retryable) {
    // Only while the claim is still ours: a sweep may have settled it meanwhile.
    await env.DB.prepare("UPDATE messages SET status = 'queued', status_reason = ?2, claimed_at = NULL, updated_at = ?3 WHERE id = ?1 AND status = 'sending'")
      .bind(messageId, result.reason, Date.now())
      .run();
    await notifyAuthor(env, row, "queued", `will retry: ${result.reason}`);
    return { done: false, retryAfterS: result.retryAfterS, reason: result.reason };
  }
  await finish(env, row, { status: "failed", reason: result.reason, credentialsRejected: result.credentialsRejected }, Date.now());
  return { done: true };
}

/**
 * Settles a reply left `sending` past its lease (the attempt died mid-send): sent again where the
 * provider makes a repeat harmless, else failed as "outcome unknown". Its author is told either way.
 */
export async function resolveExpiredClaim(env: Env, messageId: number, now = Date.now()): Promise<"requeued" | "unknown" | "none"> {
  const row = await env.DB.prepare(LOAD).bind(messageId).first<OutboundRow>();
  if (!row || row.status !== "sending" || now - (row.claimed_at ?? 0) < SEND_LEASE_MS) return "none";
  return settleClaim(env, row, now);
}

async function settleClaim(env: Env, row: OutboundRow, now: number): Promise<"requeued" | "unknown" | "none"> {
  if (adapterFor(row.provider)?.repeatSafe) {
    const reason = "the last attempt was interrupted; sending again (the channel drops a repeat of the same message id)";
    if (!(await settleExpiredClaim(env.DB, { id: row.id, claimedAt: row.claimed_at, to: "queued", reason }, now))) return "none";
    await env.OUTBOX.send({ messageId: row.id, ticketId: row.ticket_id, op: "send" });
    await notifyAuthor(env, row, "queued", `will retry: ${reason}`);
    return "requeued";
  }
  if (!(await settleExpiredClaim(env.DB, { id: row.id, claimedAt: row.claimed_at, to: "failed", reason: OUTCOME_UNKNOWN }, now))) return "none";
  await notifyAuthor(env, row, "failed", OUTCOME_UNKNOWN);
  return "unknown";
}

/** Sends an agent's edit of an already sent reply. Failures are reported; the stored text stays edited. */
export async function deliverEdit(env: Env, messageId: number): Promise<DeliveryOutcome> {
  const row = await env.DB.prepare(LOAD).bind(messageId).first<OutboundRow>();
  if (!row?.provider_message_id) return { done: true };
  const result = await send(row, { kind: "edit", to: row.address, providerMessageId: row.provider_message_id, text: customerText(row), messageId: row.id }, env);
  if (result.ok) return { done: true };
  if (result.retryable) return { done: false, retryAfterS: result.retryAfterS, reason: result.reason };
  await notifyAuthor(env, row, row.status, `edit not delivered: ${result.reason}`);
  return { done: true };
}

/** Queue retries ran out: the reply is failed with the last reason, and its author told. */
export async function giveUp(env: Env, messageId: number, op: "send" | "edit") {
  const row = await env.DB.prepare(LOAD).bind(messageId).first<OutboundRow & { status_reason?: string }>();
  if (!row) return;
  if (op === "edit") return notifyAuthor(env, row, row.status, "edit not delivered: retries exhausted");
  if (row.status !== "queued" && row.status !== "sending") return;
  const last = await env.DB.prepare("SELECT status_reason FROM messages WHERE id = ?1").bind(messageId).first<{ status_reason: string | null }>();
  await finish(env, row, { status: "failed", reason: `retries exhausted${last?.status_reason ? `: ${last.status_reason}` : ""}` }, Date.now());
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
    creds = adapter.credentialsSchema.parse(JSON.parse(await unseal(env.SECRETS_KEY, row.credentials)));
    settings = adapter.settingsSchema.parse(JSON.parse(row.settings));
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

type Finish =
  | { status: "sent"; providerMessageId: string }
  | { status: "failed"; reason: string; credentialsRejected?: boolean };

async function finish(env: Env, row: OutboundRow, f: Finish, now: number) {
  const statements =
    f.status === "sent"
      ? [
          // An echo that outran this answer may have recorded the reply as a message of its own: fold it in.
          env.DB.prepare("DELETE FROM messages WHERE account_id = ?1 AND provider_message_id = ?2 AND id != ?3 AND direction = 'out' AND author_id IS NULL").bind(
            row.account_id,
            f.providerMessageId,
            row.id,
          ),
          // A provider's status callback may have moved it past `sent` already: never back. A sweep
          // that took this slow attempt for a dead one learns the outcome after all.
          env.DB.prepare(
            `UPDATE messages SET status = CASE WHEN status IN ('queued', 'sending') OR (status = 'failed' AND status_reason LIKE '${OUTCOME_UNKNOWN_PREFIX}%') THEN 'sent' ELSE status END,
             provider_message_id = ?2, status_reason = NULL, updated_at = ?3 WHERE id = ?1`,
          ).bind(row.id, f.providerMessageId, now),
          // Reports that outran this answer apply now, the furthest first, forward only.
          env.DB.prepare(
            `UPDATE messages SET status = p.status, status_reason = p.reason, updated_at = ?3
             FROM (SELECT status, reason FROM pending_statuses WHERE account_id = ?2 AND provider_message_id = ?4
                   ORDER BY ${reportRankSql("status")} DESC LIMIT 1) AS p
             WHERE messages.id = ?1 AND ${reportRankSql("p.status")} > ${currentRankSql("messages.status")}`,
          ).bind(row.id, row.account_id, now, f.providerMessageId),
          env.DB.prepare("DELETE FROM pending_statuses WHERE account_id = ?1 AND (provider_message_id = ?2 OR at < ?3)").bind(
            row.account_id,
            f.providerMessageId,
            now - 24 * 60 * 60 * 1000,
          ),
        ]
      : [env.DB.prepare("UPDATE messages SET status = 'failed', status_reason = ?2, updated_at = ?3 WHERE id = ?1").bind(row.id, f.reason, now)];
  if (f.status === "failed") {
    statements.push(
      env.DB.prepare("UPDATE channel_accounts SET last_delivery_error_at = ?2, last_delivery_error = ?3 WHERE id = ?1").bind(row.account_id, now, f.reason),
    );
    if (f.credentialsRejected) {
      statements.push(
        env.DB.prepare("UPDATE channel_accounts SET status = 'error', status_reason = ?2, updated_at = ?3 WHERE id = ?1").bind(row.account_id, `credentials rejected: ${f.reason}`, now),
      );
    }
  }
  await env.DB.batch(statements);
  if (f.status === "sent") {
    const final = await env.DB.prepare("SELECT status, status_reason FROM messages WHERE id = ?1").bind(row.id).first<{ status: MessageView["status"]; status_reason: string | null }>();
    return notifyAuthor(env, row, final?.status ?? "sent", final?.status_reason ?? null);
  }
  await notifyAuthor(env, row, f.status, f.reason);
}

async function notifyAuthor(env: Env, row: OutboundRow, status: MessageView["status"], reason: string | null) {
  if (!row.author_id) return;
  await env.QUEUE_OBJECT.getByName(row.queue_id).deliveryStatus({ agentId: row.author_id, ticketId: row.ticket_id, messageId: row.id, status, reason });
}
