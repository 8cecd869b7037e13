// The queue form's fields, derived from the routing schema itself: each parameter's kind, range and
// default come from routingConfigSchema (as JSON Schema), so the form cannot drift from what the API
// accepts. Only the label, the group and the unit are said here.
import { z } from "zod";
import { routingConfigSchema } from "../../../src/domain/routing-config.ts";

export const queueGroups = ["General", "Ring strategy", "Timeouts", "Capacity and assignment", "Messages", "Branding", "Translation", "Action plan", "Business hours"] as const;
export type QueueGroup = (typeof queueGroups)[number];

type Placement = { label: string; group: QueueGroup; unit?: string; hint?: string };

/** Where each routing parameter sits, named as the reference product names it (docs/routing.md). */
export const placements: Record<string, Placement> = {
  priority: { label: "Priority", group: "General", hint: "Higher first: agents shared with a lower-priority queue serve this one first." },
  notes: { label: "Notes", group: "General" },
  agentManagementAccess: { label: "Agent Management Access", group: "General", hint: "Agents set their own state and may leave the queue." },
  agentsMayJoin: { label: "Agents may join", group: "General", hint: "Agents add themselves (needs Agent Management Access)." },
  strategy: { label: "Ring Strategy", group: "Ring strategy" },
  agentRingTimeS: { label: "Agent Ring Time", group: "Ring strategy", unit: "s" },
  stickyWaitS: { label: "Sticky wait", group: "Ring strategy", unit: "s", hint: "Sticky: how long a returning contact waits for their last agent." },
  stickyFallback: { label: "Sticky fallback", group: "Ring strategy", hint: "Sticky: the strategy once that wait is over." },
  closeAutoAssign: { label: "Close Auto Assign", group: "Ring strategy", hint: "No automatic offers: agents pick waiting tickets." },
  periodToCheckS: { label: "Period To Check", group: "Ring strategy", unit: "s" },
  agentTimeoutS: { label: "Agent Timeout", group: "Timeouts", unit: "s", hint: "0 = never." },
  presenceGraceS: { label: "Presence grace", group: "Timeouts", unit: "s" },
  idleSessionTimeoutS: { label: "Idle Session Timeout", group: "Timeouts", unit: "s", hint: "Closes the ticket. 0 = never." },
  sessionTimeoutS: { label: "Session Timeout", group: "Timeouts", unit: "s", hint: "0 = never." },
  contactMessageTimeoutS: { label: "Contact Message Timeout", group: "Timeouts", unit: "s", hint: "Escalates the ticket. 0 = never." },
  agentMessageTimeoutS: { label: "Agent Message Timeout", group: "Timeouts", unit: "s", hint: "0 = never." },
  messageTimeoutMin: { label: "Message Timeout", group: "Timeouts", unit: "min", hint: "Ends the conversation, the ticket stays open. 0 = never." },
  closedWebchatDisplayTimeS: { label: "Closed Webchat Display Time", group: "Timeouts", unit: "s" },
  transferTimeoutS: { label: "Transfer timeout", group: "Timeouts", unit: "s" },
  waitForAssignedAgentS: { label: "Wait For The Assigned Agent", group: "Timeouts", unit: "s" },
  waitForAssignedQueueS: { label: "Wait For The Assigned Queue", group: "Timeouts", unit: "s" },
  maxExtraChats: { label: "Maximum Extra Webchat Count", group: "Capacity and assignment", unit: "tickets" },
  holdEstimationUpperLimitS: { label: "Hold Estimation Upper Limit", group: "Capacity and assignment", unit: "s" },
  serviceLevelTargetSeconds: { label: "Service Level Target", group: "Capacity and assignment", unit: "s" },
  leaveWhenEmpty: { label: "Leave When Empty", group: "Capacity and assignment", hint: "With nobody logged in, tickets follow the action plan at once." },
  sessionTimeoutMessage: { label: "Session Timeout Message", group: "Messages" },
  logoUrl: { label: "Logo URL", group: "Branding", hint: "https only; the web chat's branding." },
  callMeText: { label: "Call Me Text", group: "Branding", hint: "The web chat's branding." },
  translation: { label: "Translation Provider", group: "Translation" },
  actionPlan: { label: "Action plan", group: "Action plan" },
  businessHours: { label: "Business hours", group: "Business hours" },
};

/** How the ring strategies are named to people; other choices show as the API spells them. */
const strategyNames: Record<string, string> = {
  "round-robin": "Round robin",
  random: "Random",
  "least-busy": "Least busy (fewest tickets)",
  "longest-idle": "Longest idle",
  percentage: "Percentage (by members' weights)",
  sticky: "Sticky (the contact's last agent)",
  "ring-all": "Ring all",
};
export const choiceLabel = (o: string) => strategyNames[o] ?? o;

type JsonSchema = {
  type?: string;
  enum?: string[];
  minimum?: number;
  maximum?: number;
  maxLength?: number;
  default?: unknown;
  anyOf?: JsonSchema[];
  properties?: Record<string, JsonSchema>;
};

export type RoutingField = Placement & {
  key: string;
  kind: "number" | "boolean" | "choice" | "text" | "message" | "custom";
  min?: number;
  max?: number;
  maxLength?: number;
  options?: string[];
  defaultValue?: unknown;
};

const special = new Set(["actionPlan", "translation", "businessHours"]);

function kindOf(key: string, s: JsonSchema): RoutingField["kind"] {
  if (special.has(key)) return "custom";
  if (key === "sessionTimeoutMessage") return "message";
  if (s.type === "integer" || s.type === "number") return "number";
  if (s.type === "boolean") return "boolean";
  if (s.enum) return "choice";
  return "text";
}

/** The longest text any branch of the schema takes (a message: "" or a template of up to n characters). */
function maxLengthOf(s: JsonSchema): number | undefined {
  if (s.maxLength !== undefined) return s.maxLength;
  const lengths = (s.anyOf ?? []).map(maxLengthOf).filter((n): n is number => n !== undefined);
  return lengths.length ? Math.max(...lengths) : undefined;
}

export const routingJsonSchema = z.toJSONSchema(routingConfigSchema, { io: "input", unrepresentable: "any" }) as JsonSchema;

/** Every routing parameter, in the schema's order, with what the schema says of it. */
export const routingFields: RoutingField[] = Object.entries(routingJsonSchema.properties ?? {}).map(([key, s]) => ({
  key,
  ...(placements[key] ?? { label: key, group: "General" }),
  kind: kindOf(key, s),
  min: s.minimum,
  max: s.maximum,
  maxLength: maxLengthOf(s),
  options: s.enum,
  defaultValue: s.default,
}));

/** Schema keys the form does not place in a group: should always be empty (a test checks it). */
export const unplacedKeys = () => Object.keys(routingJsonSchema.properties ?? {}).filter((k) => !(k in placements));

/** The defaults of every parameter, as the API would fill them. */
export const routingDefaults = (): Record<string, unknown> => routingConfigSchema.parse({}) as Record<string, unknown>;
