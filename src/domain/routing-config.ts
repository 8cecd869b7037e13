import { z } from "zod";
import { ringStrategies } from "./ring";

/** A queue's routing parameters; docs/routing.md documents each one. */
export const routingConfigSchema = z
  .object({
    strategy: z.enum(ringStrategies).default("round-robin"),
    /** Sticky: how long a contact's ticket waits for the agent who served them last, seconds. */
    stickyWaitS: z.number().int().min(1).max(2147483).default(30),
    /** Sticky: the strategy once that wait is over. */
    stickyFallback: z.enum(["round-robin", "random", "least-busy", "longest-idle", "percentage"]).default("round-robin"),
    /** Life of one offer to one agent, seconds. */
    agentRingTimeS: z.number().int().min(5).max(600).default(20),
    /**
     * How long a disconnected agent keeps presence and tickets, seconds; after it they count as
     * offline and every ticket they hold goes back to the queue for someone else.
     */
    presenceGraceS: z.number().int().min(0).max(600).default(30),
    /** An agent who leaves a customer's message unanswered this long loses the ticket to another agent, seconds (0 = never). */
    agentTimeoutS: z.number().int().min(0).max(86400).default(0),
    /** No automatic offers: agents pick waiting tickets themselves. */
    closeAutoAssign: z.boolean().default(false),
    /** Tickets an agent may pick beyond their capacity (automatic offers stop at the capacity). */
    maxExtraChats: z.number().int().min(0).max(20).default(0),
    /** Interval of the periodic re-evaluation: offers retried, silent sockets closed, supervisors refreshed, seconds. */
    periodToCheckS: z.number().int().min(5).max(3600).default(30),
    /** Cap on the wait estimate told to customers, seconds. */
    holdEstimationUpperLimitS: z.number().int().min(0).max(86400).default(3600),
    /** Whether agents may set their own state (online/away); when off only supervisors change it. */
    agentManagementAccess: z.boolean().default(true),
  })
  .strict();

export type RoutingConfig = z.output<typeof routingConfigSchema>;

export const defaultRoutingConfig: RoutingConfig = routingConfigSchema.parse({});
