import { z } from "@hono/zod-openapi";
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

/**
 * The credentials as an admin writes them when creating an account: the ones the hub generates
 * are optional, the ones only activation sets are absent (the API refuses them).
 */
export function credentialsInputSchema(kind: ProviderKind): z.ZodType<Record<string, unknown>> | undefined {
  const adapter = adapterFor(kind);
  if (!adapter) return undefined;
  const stored = adapter.credentialsSchema;
  if (!(stored instanceof z.ZodObject)) return stored as z.ZodType<Record<string, unknown>>;
  const generated = Object.keys(adapter.generatedCredentials?.() ?? {});
  const activationOnly = adapter.activationOnlyCredentials ?? [];
  const mask = (keys: readonly string[]) => Object.fromEntries(keys.map((k) => [k, true])) as never;
  return stored.omit(mask(activationOnly)).partial(mask(generated)) as z.ZodType<Record<string, unknown>>;
}
