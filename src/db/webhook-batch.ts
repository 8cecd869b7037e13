/** The account a webhook's events are stored for, as the isolate that authenticated it has it. */
export type WebhookAccount = {
  id: string;
  name: string;
  /** The account's short Key, carried into ticket views. */
  shortKey?: string | null;
  provider: string;
  queueId: string;
  /** The account's `version` when it was read: the batch is refused unless D1 still has it. Absent: not checked. */
  version?: number;
  /** `last_webhook_at` as read with the account. */
  lastWebhookAt?: number | null;
  /** The signed request's one-time value (Sinch's nonce), claimed by the first batch of the request. */
  replay?: ReplayClaim;
};

export type ReplayClaim = { key: string; claimed: boolean };

/** Thrown by a webhook's batch, which wrote nothing, when the account changed since it was read. */
export class AccountChanged extends Error {
  constructor(readonly accountId: string) {
    super(`account ${accountId} changed since it was read`);
  }
}

/** Thrown by a webhook's batch, which wrote nothing, when the request's one-time value was claimed before. */
export class ReplayedRequest extends Error {
  constructor(readonly accountId: string) {
    super(`a one-time value of account ${accountId} was seen before`);
  }
}

/** `last_webhook_at` is written at most this often per account and isolate. */
export const LAST_WEBHOOK_EVERY_MS = 60_000;
/** How long a claimed one-time value is kept (longer than any provider's accepted clock skew). */
export const REPLAY_KEEP_MS = 15 * 60_000;

/** When this isolate last wrote each account's `last_webhook_at`. */
const lastWritten = new Map<string, number>();

/**
 * Runs a webhook's statements in one D1 batch (one transaction) that first proves the account is
 * at the version it was read at: otherwise the batch fails as a whole and AccountChanged is thrown,
 * so an account cached in memory (its secrets, settings, queue) is never acted on once changed.
 * The request's one-time value is claimed in the same transaction (ReplayedRequest when it was
 * seen before), and the account's `last_webhook_at` rides along when it is due. Returns the
 * statements' results.
 */
export async function webhookBatch<T = Record<string, unknown>>(
  d1: D1Database,
  account: WebhookAccount,
  statements: D1PreparedStatement[],
  now = Date.now(),
  /** The statements check the version themselves (a receipt carrying it, `receipt` in ingest.ts). */
  opts: { versionChecked?: boolean } = {},
): Promise<D1Result<T>[]> {
  const before: D1PreparedStatement[] = [];
  if (account.version !== undefined && !opts.versionChecked) {
    before.push(d1.prepare("INSERT INTO account_checks (ok) SELECT 0 WHERE NOT EXISTS (SELECT 1 FROM channel_accounts WHERE id = ?1 AND version = ?2)").bind(account.id, account.version));
  }
  const replay = account.replay && !account.replay.claimed ? account.replay : null;
  if (replay) {
    before.push(
      d1.prepare("DELETE FROM webhook_replays WHERE seen_at < ?1").bind(now - REPLAY_KEEP_MS),
      d1.prepare("INSERT INTO webhook_replays (account_id, replay_key, seen_at) VALUES (?1, ?2, ?3)").bind(account.id, replay.key, now),
    );
  }
  const due = now - Math.max(lastWritten.get(account.id) ?? -Infinity, account.lastWebhookAt ?? -Infinity) >= LAST_WEBHOOK_EVERY_MS;
  const touch = due ? [d1.prepare("UPDATE channel_accounts SET last_webhook_at = ?2 WHERE id = ?1").bind(account.id, now)] : [];
  let results: D1Result<T>[];
  try {
    results = await d1.batch<T>([...before, ...statements, ...touch]);
  } catch (err) {
    // Where the receipt checks the version it comes last: an account deleted since shows first as
    // the foreign key of a row written for it.
    if (String(err).includes("account_changed") || (opts.versionChecked && String(err).includes("FOREIGN KEY constraint failed"))) throw new AccountChanged(account.id);
    if (replay && String(err).includes("webhook_replays")) throw new ReplayedRequest(account.id);
    throw err;
  }
  if (replay) replay.claimed = true;
  if (due) lastWritten.set(account.id, now);
  return results.slice(before.length, before.length + statements.length);
}
