import { z } from "zod";

export const ringStrategies = ["round-robin"] as const;

/** A queue's routing parameters; docs/routing.md documents each one. */
export const routingConfigSchema = z
  .object({
    strategy: z.enum(ringStrategies).default("round-robin"),
    /** Life of one offer to one agent, seconds. */
    agentRingTimeS: z.number().int().min(5).max(600).default(20),
    /** How long a disconnected agent keeps its presence before it counts as offline, seconds. */
    presenceGraceS: z.number().int().min(0).max(600).default(30),
  })
  .strict();

export type RoutingConfig = z.output<typeof routingConfigSchema>;

export const defaultRoutingConfig: RoutingConfig = routingConfigSchema.parse({});
