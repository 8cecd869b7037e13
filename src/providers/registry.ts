import { connexeaseAdapter } from "./connexease";
import { customAdapter } from "./custom";
import { metaAdapter } from "./meta";
import { sinchAdapter } from "./sinch";
import { telegramAdapter } from "./telegram";
import { twilioAdapter } from "./twilio";
import type { ProviderAdapter, ProviderKind } from "./types";

const adapters: Partial<Record<ProviderKind, ProviderAdapter<any, any>>> = {
  telegram: telegramAdapter,
  custom: customAdapter,
  connexease: connexeaseAdapter,
  sinch: sinchAdapter,
  meta: metaAdapter,
  twilio: twilioAdapter,
};

/** The adapter for `kind`, or undefined while that provider is not implemented. */
export function adapterFor(kind: ProviderKind): ProviderAdapter<any, any> | undefined {
  return adapters[kind];
}
