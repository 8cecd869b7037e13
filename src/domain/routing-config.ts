// Relative imports carry their .ts extension: the demo seed (scripts/seed.mjs) loads this file in Node as it is.
import { z } from "zod";
import { businessHoursSchema } from "./business-hours.ts";
import { automaticMessageSchema, templateVariables, withTemplateBodies, type MessageField, type TemplateBodies } from "./templates.ts";
import { inWindow, localClock, timeZoneSchema, weeklyWindowSchema } from "./weekly-schedule.ts";

export const ringStrategies = ["round-robin", "random", "least-busy", "longest-idle", "percentage", "sticky", "ring-all"] as const;
export type RingStrategy = (typeof ringStrategies)[number];

const id = z.string().min(1).max(64);

/** Where an action plan sends a ticket nobody took: another queue, or one agent. */
export const destinationSchema = z.union([z.object({ queueId: id }).strict(), z.object({ agentId: id }).strict()]);

/** One step of an action plan: the ticket goes to `to` and waits there `timeoutS` before the next step. */
export const planStepSchema = z.object({ to: destinationSchema, timeoutS: z.number().int().min(5).max(86400).default(60) }).strict();
export type PlanStep = z.output<typeof planStepSchema>;

const planSteps = z.array(planStepSchema).max(10);

/** A queue's alternative routing: time-based rules first (the first whose window holds now wins), else `steps`. */
export const actionPlanSchema = z
  .object({
    steps: planSteps.default([]),
    timezone: timeZoneSchema.default("UTC"),
    timeRules: z.array(z.object({ when: weeklyWindowSchema, steps: planSteps.min(1) }).strict()).max(20).default([]),
  })
  .strict();
export type ActionPlan = z.output<typeof actionPlanSchema>;

export const translationConfigSchema = z.discriminatedUnion("provider", [
  z.object({ provider: z.literal("none") }).strict(),
  z
    .object({
      provider: z.literal("libretranslate"),
      /** Base URL of a LibreTranslate server; its optional API key is the Worker secret LIBRETRANSLATE_API_KEY. */
      url: z.url({ protocol: /^https?$/ }).max(500),
      /** The language agents read and write (ISO 639-1). */
      agentLanguage: z.string().regex(/^[a-z]{2,3}$/, "Expected an ISO 639 language code such as en"),
      /** Translate agents' replies into the customer's language before sending. */
      translateReplies: z.boolean().default(true),
    })
    .strict(),
]);
export type TranslationConfig = z.output<typeof translationConfigSchema>;

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
    /** Agents may add themselves to this queue (with Agent Management Access on); off, only admins and supervisors add members. */
    agentsMayJoin: z.boolean().default(false),
    /** No message from either side for this long: the conversation and its ticket close, seconds (0 = never). */
    idleSessionTimeoutS: z.number().int().min(0).max(604800).default(0),
    /** Longest a conversation may last; then it ends and the customer is sent `sessionTimeoutMessage`, seconds (0 = never). */
    sessionTimeoutS: z.number().int().min(0).max(604800).default(0),
    /** A template (docs/conversations.md lists the variables), or a library template by id (docs/templates.md); "" sends nothing. */
    sessionTimeoutMessage: automaticMessageSchema(templateVariables),
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
    /** Higher first: an agent in several queues gets no offers here while a higher-priority queue has tickets waiting for them. */
    priority: z.number().int().min(1).max(100).default(50),
    /** With no agent logged in, waiting tickets leave at once for the action plan's destination. */
    leaveWhenEmpty: z.boolean().default(false),
    /** A customer message on a ticket whose agent is unavailable waits this long for that agent before the queue takes it, seconds. */
    waitForAssignedAgentS: z.number().int().min(1).max(2147483).default(10),
    /** A ticket nobody in the queue takes within this long follows the action plan, seconds. */
    waitForAssignedQueueS: z.number().int().min(1).max(2147483).default(10),
    actionPlan: actionPlanSchema.default({ steps: [], timezone: "UTC", timeRules: [] }),
    translation: translationConfigSchema.default({ provider: "none" }),
    /** The queue's own business hours; they take precedence over its accounts' (null: the account's). */
    businessHours: businessHoursSchema.nullable().default(null),
    /** Service level: the share of tickets an agent took within this many seconds of their arrival. */
    serviceLevelTargetSeconds: z.number().int().min(1).max(86400).default(20),
    /** Free text for the people who run the queue. */
    notes: z.string().max(2000).default(""),
    /** The web chat's branding (for the web chat channel to come): its logo, an https URL ("" for none). */
    logoUrl: z.union([z.literal(""), z.url({ protocol: /^https$/, error: "Expected an https URL" }).max(2048)]).default(""),
    /** The web chat's branding: the text of its call-me button ("" for none). */
    callMeText: z.string().max(120).default(""),
  })
  .strict()
  .refine((c) => !c.leaveWhenEmpty || c.actionPlan.steps.length > 0 || c.actionPlan.timeRules.length > 0, {
    message: "Leave When Empty needs an action plan with somewhere to go",
    path: ["leaveWhenEmpty"],
  });

/** The configuration as stored and as the API takes and returns it: the session timeout message may name a library template. */
export type StoredRoutingConfig = z.output<typeof routingConfigSchema>;

/** The configuration as queues run by it: the session timeout message a plain text. */
export type RoutingConfig = Omit<StoredRoutingConfig, "sessionTimeoutMessage"> & { sessionTimeoutMessage: string };

/** Every message of the configuration that may name a library template, with the variables it offers. */
export const routingMessageFields: readonly MessageField[] = [{ path: ["sessionTimeoutMessage"], allowed: templateVariables }];

/** The stored configuration with each named template's body in its place ("" for a template that is gone). */
export function resolveRoutingConfig(stored: StoredRoutingConfig, bodies: TemplateBodies): RoutingConfig {
  return withTemplateBodies(stored, routingMessageFields, bodies) as RoutingConfig;
}

/** A configuration a queue's object keeps (already resolved), parsed. */
export const parseRoutingConfig = (value: unknown): RoutingConfig => resolveRoutingConfig(routingConfigSchema.parse(value), {});

export const defaultRoutingConfig: RoutingConfig = parseRoutingConfig({});

/** The steps of the plan that apply at `at`: the first time rule whose window holds it, else the default steps. */
export function planStepsAt(plan: ActionPlan, at: number): PlanStep[] {
  if (plan.timeRules.length === 0) return plan.steps;
  const clock = localClock(at, plan.timezone);
  return plan.timeRules.find((r) => inWindow(clock, r.when))?.steps ?? plan.steps;
}
