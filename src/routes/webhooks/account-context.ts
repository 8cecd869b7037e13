import type { ReceivingAccount } from "../../db/account-lookup";
import type { Env } from "../../env";
import type { AccountContext, ProviderAdapter } from "../../providers/types";
import { unseal } from "../../security/crypto";
import { publicOrigin, receiveUrl } from "../../domain/public-url";

/** An account as its adapter sees it: credentials unsealed, settings parsed. */
export async function accountContext(env: Env, requestUrl: string, adapter: ProviderAdapter<any, any>, account: ReceivingAccount): Promise<AccountContext<any, any>> {
  return {
    accountId: account.id,
    creds: adapter.credentialsSchema.parse(JSON.parse(await unseal(env.SECRETS_KEY, account.credentials))),
    settings: adapter.settingsSchema.parse(account.settings),
    receiveUrl: receiveUrl(publicOrigin(requestUrl, env), account.provider, account.key),
    now: Date.now(),
  };
}
