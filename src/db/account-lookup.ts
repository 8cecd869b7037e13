import { conversationSettingsSchema, resolveConversationSettings, type ConversationSettings } from "../domain/conversation-settings";
import { resolveRoutingConfig, routingConfigSchema, type RoutingConfig } from "../domain/routing-config";
import type { ProviderKind } from "../providers/types";
import { parseTemplateBodies, templateBodiesSql } from "./templates";

export type ReceivingAccount = {
  id: string;
  key: string;
  status: "active" | "pending" | "error";
  provider: ProviderKind;
  name: string;
  /** The account's short Key agents see on conversation tabs. */
  shortKey: string | null;
  queueId: string;
  settings: Record<string, unknown>;
  credentials: string;
  /** The queue's routing and the account's settings, each library template they name in its place. */
  routing: RoutingConfig;
  conversation: ConversationSettings;
  /** The chatbot's signing secret, sealed (null when no chatbot was set through the API). */
  chatbotSecret: string | null;
  /** Moves on every change of the above (`migrations/0012_account_version.sql`). */
  version: number;
  lastWebhookAt: number | null;
};

/** The account a receive URL names, with its queue's routing and the library templates both name: one indexed read. */
export async function loadAccountByKey(d1: D1Database, key: string): Promise<ReceivingAccount | null> {
  const row = await d1
    .prepare(
      `SELECT a.id, a.key, a.status, a.provider, a.name, a.short_key, a.queue_id, a.settings, a.credentials, a.conversation, a.chatbot_secret,
              a.version, a.last_webhook_at, q.routing, ${templateBodiesSql("a.conversation", "q.routing")} AS templates
       FROM channel_accounts a JOIN queues q ON q.id = a.queue_id WHERE a.key = ?1`,
    )
    .bind(key)
    .first<{
      id: string; key: string; status: ReceivingAccount["status"]; provider: ProviderKind; name: string; short_key: string | null; queue_id: string; settings: string;
      credentials: string; conversation: string; chatbot_secret: string | null; version: number; last_webhook_at: number | null; routing: string;
      templates: string | null;
    }>();
  if (!row) return null;
  const bodies = parseTemplateBodies(row.templates);
  return {
    id: row.id,
    key: row.key,
    status: row.status,
    provider: row.provider,
    name: row.name,
    shortKey: row.short_key,
    queueId: row.queue_id,
    settings: JSON.parse(row.settings) as Record<string, unknown>,
    credentials: row.credentials,
    routing: resolveRoutingConfig(routingConfigSchema.parse(JSON.parse(row.routing)), bodies),
    conversation: resolveConversationSettings(conversationSettingsSchema.parse(JSON.parse(row.conversation)), bodies),
    chatbotSecret: row.chatbot_secret,
    version: row.version,
    lastWebhookAt: row.last_webhook_at,
  };
}

/** Every receive key there is (read from the key's unique index). */
export async function loadAccountKeys(d1: D1Database): Promise<Set<string>> {
  const { results } = await d1.prepare("SELECT key FROM channel_accounts").all<{ key: string }>();
  return new Set(results.map((r) => r.key));
}

/** A queue's routing as it runs: the library template it names in its place. */
export async function loadQueueRouting(d1: D1Database, queueId: string): Promise<RoutingConfig | null> {
  const row = await d1
    .prepare(`SELECT q.routing, ${templateBodiesSql("q.routing")} AS templates FROM queues q WHERE q.id = ?1`)
    .bind(queueId)
    .first<{ routing: string; templates: string | null }>();
  return row ? resolveRoutingConfig(routingConfigSchema.parse(JSON.parse(row.routing)), parseTemplateBodies(row.templates)) : null;
}

/** Writes a refused webhook on its account: its reason, and `refusals` more to the account's count (those since the last write included). */
export async function recordAuthFailure(d1: D1Database, accountId: string, reason: string, refusals = 1, now = Date.now()) {
  await d1
    .prepare("UPDATE channel_accounts SET last_auth_failure_at = ?2, last_auth_failure = ?3, auth_failure_count = auth_failure_count + ?4 WHERE id = ?1")
    .bind(accountId, now, reason, refusals)
    .run();
}

/** Claims a one-time value of a signed webhook; false when it was seen before (a replay). Old values are pruned. */
export async function claimReplayKey(d1: D1Database, accountId: string, replayKey: string, now = Date.now(), keepMs = 15 * 60_000) {
  const [, claimed] = await d1.batch([
    d1.prepare("DELETE FROM webhook_replays WHERE seen_at < ?1").bind(now - keepMs),
    d1.prepare("INSERT INTO webhook_replays (account_id, replay_key, seen_at) VALUES (?1, ?2, ?3) ON CONFLICT DO NOTHING RETURNING replay_key").bind(accountId, replayKey, now),
  ]);
  return (claimed?.results.length ?? 0) > 0;
}

/** Gives a claimed one-time value back when the request it came with could not be stored, so the provider's retry is accepted. */
export async function releaseReplayKey(d1: D1Database, accountId: string, replayKey: string) {
  await d1.prepare("DELETE FROM webhook_replays WHERE account_id = ?1 AND replay_key = ?2").bind(accountId, replayKey).run();
}
