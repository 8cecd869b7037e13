import { loadAccountByKey, loadAccountKeys, type ReceivingAccount } from "../../db/account-lookup";
import { loadAccountsBySetting } from "../../db/accounts-by-setting";
import { publicOrigin, receiveUrl } from "../../domain/public-url";
import type { Env } from "../../env";
import { adapterFor } from "../../providers/registry";
import type { AccountContext } from "../../providers/types";
import { unseal } from "../../security/crypto";

/**
 * What this isolate last read about each receive key, so a webhook costs no D1 read for its
 * account: the account with its credentials unsealed and settings parsed, or null for a key naming
 * no account. A request that authenticates against an entry is stored by a batch that first proves
 * the account is still at the version read (`src/db/webhook-batch.ts`), and is checked again
 * against the account read anew when it is not. Changes made through the accounts API in this
 * isolate drop the entry at once (`forgetReceivingAccount`); refusals see other isolates' changes
 * within RECEIVING_TTL_MS.
 */
export const RECEIVING_TTL_MS = 10_000;
const MAX_ENTRIES = 10_000;
/**
 * Keys missing from the set of all keys are still looked up one by one (an account created in
 * another instance since the set was read), until this many lookups a second found nothing; past
 * that the set is read again (at most every MIN_KEYS_REFRESH_MS) and answers. A flood of made-up
 * keys from any number of addresses costs at most these reads, not one per request.
 */
const VAIN_LOOKUPS_PER_S = 10;
const MIN_KEYS_REFRESH_MS = 2_000;

/** `opened`: the credentials unsealed and the settings parsed, once the account is used for its provider. */
export type Receiving = { account: ReceivingAccount; opened?: { creds: unknown; settings: unknown } };
/** `stale`: read by this isolate longer ago than the TTL. */
export type ReceivingLookup = { found: Receiving | null; stale?: boolean };

const byKey = new Map<string, { at: number; found: Receiving | null }>();
/** Receive keys by `<provider>:<setting>:<value>`, for receive URLs shared by several accounts. */
const keyBySetting = new Map<string, string>();
let allKeys: { at: number; keys: Set<string> } | undefined;
let allKeysLoading = false;
const vainLookups = { second: 0, count: 0 };

/** The cached lookup of `key`, `stale` when older than the TTL (D1 should be read again); undefined when never read. */
export function cachedReceiving(key: string, now = Date.now()): ReceivingLookup | undefined {
  const entry = byKey.get(key);
  return entry && { found: entry.found, stale: now - entry.at >= RECEIVING_TTL_MS };
}

/** Reads `key` from D1 (one indexed read), unseals its credentials and caches the outcome, unknown included. */
export async function loadReceiving(env: Env, key: string, now = Date.now()): Promise<ReceivingLookup> {
  const account = (await mayBeAccount(env, key, now)) ? await loadAccountByKey(env.DB, key) : null;
  if (!account) vainLookups.count += 1;
  const found = account ? { account } : null;
  remember(key, found, now);
  return { found };
}

/** Drops what this isolate knows of `key`: the accounts API calls it on every change of an account. */
export function forgetReceivingAccount(key: string) {
  byKey.delete(key);
  allKeys?.keys.add(key);
}

/** Drops the account with this id: a batch found it changed. */
export function forgetReceivingAccountById(id: string) {
  for (const [key, entry] of byKey) if (entry.found?.account.id === id) forgetReceivingAccount(key);
}

/**
 * The accounts of `provider` whose `settings[setting]` is one of `values`, by value: the accounts
 * one shared receive URL delivers to (Meta: the Instagram accounts of one app). Taken from this
 * isolate's memory while younger than the TTL, otherwise read from D1 (`loadAccountsBySetting`)
 * and kept; a value no account has is read again each time.
 */
export async function receivingBySetting(env: Env, provider: string, setting: string, values: string[], now = Date.now()): Promise<Map<string, Receiving>> {
  const found = new Map<string, Receiving>();
  const missing: string[] = [];
  for (const value of values) {
    const key = keyBySetting.get(`${provider}:${setting}:${value}`);
    const hit = key === undefined ? undefined : cachedReceiving(key, now);
    if (hit?.found && !hit.stale) found.set(value, hit.found);
    else missing.push(value);
  }
  if (missing.length === 0) return found;
  for (const [value, account] of await loadAccountsBySetting(env.DB, provider, setting, missing)) {
    const receiving: Receiving = { account };
    remember(account.key, receiving, now);
    keyBySetting.delete(`${provider}:${setting}:${value}`);
    if (keyBySetting.size >= MAX_ENTRIES) keyBySetting.delete(keyBySetting.keys().next().value!);
    keyBySetting.set(`${provider}:${setting}:${value}`, account.key);
    found.set(value, receiving);
  }
  return found;
}

/** The account as its adapter sees it for one request: credentials unsealed and settings parsed (once per entry). */
export async function receivingContext(env: Env, requestUrl: string, receiving: Receiving): Promise<AccountContext<any, any>> {
  const { account } = receiving;
  const { creds, settings } = await openReceiving(env, receiving);
  return { accountId: account.id, creds, settings, receiveUrl: receiveUrl(publicOrigin(requestUrl, env), account.provider, account.key), now: Date.now() };
}

/**
 * Whether `key` is worth a D1 read: it is in the set of all keys, or, missing from a set younger
 * than the TTL, the budget for such lookups allows (an account created in another instance since).
 * Otherwise the set is read again, at most every MIN_KEYS_REFRESH_MS, and answers.
 */
async function mayBeAccount(env: Env, key: string, now: number) {
  if (allKeys?.keys.has(key)) return true;
  const age = allKeys ? now - allKeys.at : Infinity;
  if (age < RECEIVING_TTL_MS && fewVainLookups(now)) return true;
  // While one request re-reads the set, others look their key up on their own within the same budget
  // (a promise cannot be shared across requests): a burst of first messages to a new account is not refused.
  if (allKeysLoading) return fewVainLookups(now);
  if (age < MIN_KEYS_REFRESH_MS) return false;
  allKeysLoading = true;
  try {
    allKeys = { at: now, keys: await loadAccountKeys(env.DB) };
  } finally {
    allKeysLoading = false;
  }
  return allKeys.keys.has(key);
}

function fewVainLookups(now: number) {
  const second = Math.floor(now / 1000);
  if (vainLookups.second !== second) Object.assign(vainLookups, { second, count: 0 });
  return vainLookups.count < VAIN_LOOKUPS_PER_S;
}

/** The account's credentials and settings as its adapter reads them, opened once per cached entry. */
export async function openReceiving(env: Env, receiving: Receiving): Promise<{ creds: unknown; settings: unknown }> {
  if (!receiving.opened) {
    const { account } = receiving;
    const creds = adapterFor(account.provider)?.credentialsSchema.parse(JSON.parse(await unseal(env.SECRETS_KEY, account.credentials))) ?? null;
    receiving.opened = { creds, settings: settingsOf(account) };
  }
  return receiving.opened;
}

function settingsOf(account: ReceivingAccount) {
  return adapterFor(account.provider)?.settingsSchema.parse(account.settings) ?? null;
}

function remember(key: string, found: Receiving | null, now: number) {
  byKey.delete(key);
  if (byKey.size >= MAX_ENTRIES) byKey.delete(byKey.keys().next().value!);
  byKey.set(key, { at: now, found });
}
