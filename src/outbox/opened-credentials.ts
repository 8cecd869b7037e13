import type { ProviderAdapter } from "../providers/types";
import { unseal } from "../security/crypto";

/** Accounts whose opened credentials an isolate keeps; the least recently used go first. */
const MAX_ENTRIES = 256;

type Opened = { sealed: string; settingsJson: string; creds: unknown; settings: unknown };

const byAccount = new Map<string, Opened>();

/**
 * The account's credentials unsealed and parsed, and its settings parsed, as its adapter reads
 * them: opened once per isolate while the stored values stay the same. Every send reads the
 * sealed text and settings with its message, so an account changed anywhere is opened again on
 * its next send (the sealed text is new with every save: a fresh IV).
 */
export async function openCredentials(
  secretsKey: string,
  adapter: Pick<ProviderAdapter, "credentialsSchema" | "settingsSchema">,
  account: { id: string; credentials: string; settings: string },
): Promise<{ creds: unknown; settings: unknown }> {
  const hit = byAccount.get(account.id);
  if (hit && hit.sealed === account.credentials && hit.settingsJson === account.settings) {
    byAccount.delete(account.id);
    byAccount.set(account.id, hit);
    return hit;
  }
  const creds = adapter.credentialsSchema.parse(JSON.parse(await unseal(secretsKey, account.credentials)));
  const settings = adapter.settingsSchema.parse(JSON.parse(account.settings));
  byAccount.delete(account.id);
  if (byAccount.size >= MAX_ENTRIES) byAccount.delete(byAccount.keys().next().value!);
  byAccount.set(account.id, { sealed: account.credentials, settingsJson: account.settings, creds, settings });
  return { creds, settings };
}
