import { loadAccountByKey, type ReceivingAccount } from "./account-lookup";

/**
 * The accounts of `provider` whose `settings[field]` is one of `values`, by that value: the
 * accounts one shared receive URL delivers to (Meta: the Instagram accounts of one app, by
 * `igAccountId`). One read to find them, one per account found.
 */
export async function loadAccountsBySetting(d1: D1Database, provider: string, field: string, values: string[]): Promise<Map<string, ReceivingAccount>> {
  const found = new Map<string, ReceivingAccount>();
  if (values.length === 0) return found;
  const { results } = await d1
    .prepare(
      `SELECT key, json_extract(settings, ?3) AS value FROM channel_accounts
       WHERE provider = ?1 AND json_extract(settings, ?3) IN (SELECT value FROM json_each(?2)) ORDER BY created_at, id`,
    )
    .bind(provider, JSON.stringify(values), `$.${field}`)
    .all<{ key: string; value: string }>();
  for (const { key, value } of results) {
    if (found.has(value)) continue;
    const account = await loadAccountByKey(d1, key);
    if (account) found.set(value, account);
  }
  return found;
}

/** An account by its id, as a webhook to it would load it. */
export async function loadAccountById(d1: D1Database, id: string): Promise<ReceivingAccount | null> {
  const row = await d1.prepare("SELECT key FROM channel_accounts WHERE id = ?1").bind(id).first<{ key: string }>();
  return row ? loadAccountByKey(d1, row.key) : null;
}
