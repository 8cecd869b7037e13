/** The account a webhook's events are stored for, as the isolate that authenticated it has it. */
export type WebhookAccount = {
  id: string;
  name: string;
  provider: string;
  queueId: string;
  /** The account's `version` when it was read: the batch is refused unless D1 still has it. Absent: not checked. */
  version?: number;
  /** When `last_webhook_at` was last written, as far as this isolate knows. */
  lastWebhookAt?: number | null;
};

/** Thrown by a webhook's batch, which wrote nothing, when the account changed since it was read. */
export class AccountChanged extends Error {
  constructor(readonly accountId: string) {
    super(`account ${accountId} changed since it was read`);
  }
}

/** `last_webhook_at` is written at most this often per account and isolate. */
export const LAST_WEBHOOK_EVERY_MS = 60_000;

/**
 * Runs a webhook's statements in one D1 batch (one transaction) that first proves the account is
 * at the version it was read at: otherwise the batch fails as a whole and AccountChanged is thrown,
 * so an account cached in memory (its secrets, settings, queue) is never acted on once changed.
 * The account's `last_webhook_at` rides along when it is due. Returns the statements' results.
 */
export async function webhookBatch<T = Record<string, unknown>>(d1: D1Database, account: WebhookAccount, statements: D1PreparedStatement[], now = Date.now()): Promise<D1Result<T>[]> {
  const check =
    account.version === undefined
      ? []
      : [d1.prepare("INSERT INTO account_checks (ok) SELECT 0 WHERE NOT EXISTS (SELECT 1 FROM channel_accounts WHERE id = ?1 AND version = ?2)").bind(account.id, account.version)];
  const due = now - (account.lastWebhookAt ?? -Infinity) >= LAST_WEBHOOK_EVERY_MS;
  const touch = due ? [d1.prepare("UPDATE channel_accounts SET last_webhook_at = ?2 WHERE id = ?1").bind(account.id, now)] : [];
  let results: D1Result<T>[];
  try {
    results = await d1.batch<T>([...check, ...statements, ...touch]);
  } catch (err) {
    if (String(err).includes("account_changed")) throw new AccountChanged(account.id);
    throw err;
  }
  if (due) account.lastWebhookAt = now;
  return results.slice(check.length, check.length + statements.length);
}
