import type { z } from "@hono/zod-openapi";
import { adapterFor } from "../../providers/registry";
import type { ProviderKind } from "../../providers/types";

type ProviderSpec = {
  settings: z.ZodType<Record<string, unknown>>;
  credentials: z.ZodType<Record<string, unknown>>;
  /** Credentials the hub generates when a new account omits them. */
  generated: () => Record<string, unknown>;
};

/** What the accounts API needs of a provider, from its adapter: every registered provider can be configured. */
export function providerSpec(kind: ProviderKind): ProviderSpec | undefined {
  const adapter = adapterFor(kind);
  if (!adapter) return undefined;
  return {
    settings: adapter.settingsSchema as z.ZodType<Record<string, unknown>>,
    credentials: adapter.credentialsSchema as z.ZodType<Record<string, unknown>>,
    generated: () => ({ ...adapter.generatedCredentials?.() }),
  };
}
