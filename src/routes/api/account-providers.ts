import type { z } from "@hono/zod-openapi";
import { telegramCredentialsSchema, telegramSettingsSchema } from "../../providers/telegram/config";
import type { ProviderKind } from "../../providers/types";
import { randomToken } from "../../security/crypto";

type ProviderSpec = {
  settings: z.ZodType<Record<string, unknown>>;
  credentials: z.ZodType<Record<string, unknown>>;
  /** Credentials the hub generates when a new account omits them. */
  generated: () => Record<string, unknown>;
};

const specs: Partial<Record<ProviderKind, ProviderSpec>> = {
  telegram: {
    settings: telegramSettingsSchema,
    credentials: telegramCredentialsSchema,
    generated: () => ({ secretToken: randomToken() }),
  },
};

export const providerSpec = (kind: ProviderKind) => specs[kind];
