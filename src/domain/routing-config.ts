// No relative imports: the demo seed (scripts/seed.mjs) loads this file in Node as it is.
import { z } from "zod";

export const ringStrategies = ["round-robin", "random", "least-busy", "longest-idle", "percentage", "sticky", "ring-all"] as const;
export type RingStrategy = (typeof ringStrategies)[number];

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
    /** Whether agents may set their own state (online/away); when off they stay as they connected (online). */
    agentManagementAccess: z.boolean().default(true),
    /** No message from either side for this long: the conversation and its ticket close, seconds (0 = never). */
    idleSessionTimeoutS: z.number().int().min(0).max(604800).default(0),
    /** Longest a conversation may last; then it ends and the customer is sent `sessionTimeoutMessage`, seconds (0 = never). */
    sessionTimeoutS: z.number().int().min(0).max(604800).default(0),
    sessionTimeoutMessage: z.string().max(1000).default(""),
    /** A customer message nobody answers for this long marks the ticket escalated and moves it to the front of the queue, seconds (0 = never). */
    contactMessageTimeoutS: z.number().int().min(0).max(604800).default(0),
    /** An agent message the customer never answers ends the conversation after this long, seconds (0 = never). */
    agentMessageTimeoutS: z.number().int().min(0).max(604800).default(0),
    /** Minutes without any message after which the conversation ends while its ticket stays open (0 = never). */
    messageTimeoutMin: z.number().int().min(0).max(10080).default(0),
    /** How long an ended conversation stays on the agent's screen, seconds: carried to the client. */
    closedWebchatDisplayTimeS: z.number().int().min(0).max(3600).default(10),
    /** A transfer nobody accepts within this time comes back to the agent who made it, seconds. */
    transferTimeoutS: z.number().int().min(5).max(3600).default(60),
    /** Free text for the people who run the queue. */
    notes: z.string().max(2000).default(""),
  })
  .strict();

export type RoutingConfig = z.output<typeof routingConfigSchema>;

export const defaultRoutingConfig: RoutingConfig = routingConfigSchema.parse({});
