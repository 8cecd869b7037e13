import { z } from "zod";

// The interaction search (docs/interactions.md#search): conditions of field, operator and value,
// matched all or any. Which operators a field takes follows from its type; a value is checked
// against the operator. Disabled conditions are kept (a saved search keeps them) and ignored.

export const searchOperators = [
  "equals",
  "not_equals",
  "contains",
  "not_contains",
  "starts_with",
  "ends_with",
  "in",
  "not_in",
  "before",
  "after",
  "between",
  "greater_than",
  "less_than",
  "is_empty",
  "is_not_empty",
] as const;
export type SearchOperator = (typeof searchOperators)[number];

export type FieldType = "enum" | "id" | "user" | "text" | "tags" | "fulltext" | "time" | "duration" | "boolean";

const operatorsOf: Record<FieldType, readonly SearchOperator[]> = {
  /** One of fixed values (a ticket's status, the account's provider). */
  enum: ["equals", "not_equals", "in", "not_in"],
  /** An id that is always set (account, queue). */
  id: ["equals", "not_equals", "in", "not_in"],
  /** A user's id that may be unset (the agent holding or last holding the ticket). */
  user: ["equals", "not_equals", "in", "not_in", "is_empty", "is_not_empty"],
  text: ["equals", "not_equals", "contains", "not_contains", "starts_with", "ends_with", "in", "is_empty", "is_not_empty"],
  /** A ticket's tags: `contains` one tag, `in` any of the listed, `not_contains` none of it. */
  tags: ["contains", "not_contains", "in", "is_empty", "is_not_empty"],
  /** Words in any message of the ticket, through the full-text index. */
  fulltext: ["contains"],
  /** Epoch milliseconds or an ISO 8601 date-time; `before` is strictly earlier, `after` at or later, `between` [from, to). */
  time: ["before", "after", "between", "is_empty", "is_not_empty"],
  /** Seconds. */
  duration: ["equals", "greater_than", "less_than", "between", "is_empty", "is_not_empty"],
  boolean: ["equals"],
};

export const searchFields = {
  status: "enum",
  account: "id",
  queue: "id",
  contact: "id",
  provider: "enum",
  agent: "user",
  tags: "tags",
  disposition: "text",
  contactName: "text",
  contactHandle: "text",
  subject: "text",
  messageText: "fulltext",
  created: "time",
  closed: "time",
  firstResponseSeconds: "duration",
  unread: "boolean",
  escalated: "boolean",
} as const satisfies Record<string, FieldType>;
export type SearchField = keyof typeof searchFields;
export const searchFieldNames = Object.keys(searchFields) as SearchField[];

/** The operators a field takes. */
export const operatorsFor = (field: SearchField): readonly SearchOperator[] => operatorsOf[searchFields[field]];

export const ticketStatuses = ["open", "assigned", "closed"] as const;

export const conditionSchema = z.strictObject({
  field: z.enum(searchFieldNames as [SearchField, ...SearchField[]]),
  op: z.enum(searchOperators),
  value: z.unknown().optional(),
  disabled: z.boolean().optional(),
});
export type ConditionInput = z.infer<typeof conditionSchema>;

export const searchSchema = z.strictObject({
  match: z.enum(["all", "any"]).default("all"),
  conditions: z.array(conditionSchema).max(50),
});
export type SearchInput = z.infer<typeof searchSchema>;

/** A checked condition: its value in the form the query takes (times in epoch ms, durations in ms, lists as arrays). */
export type Condition =
  | { field: SearchField; op: "is_empty" | "is_not_empty" }
  | { field: SearchField; op: "equals" | "not_equals" | "contains" | "not_contains" | "starts_with" | "ends_with"; value: string }
  | { field: SearchField; op: "in" | "not_in"; value: string[] }
  | { field: SearchField; op: "before" | "after" | "greater_than" | "less_than"; value: number }
  | { field: SearchField; op: "between"; value: [number, number] }
  | { field: SearchField; op: "equals"; value: boolean | number };

export type SearchProblem = { index: number; message: string };

/** Values a field of type `enum` may take, by field. */
export type EnumValues = { status: readonly string[]; provider: readonly string[] };

const MAX_TEXT = 200;
const MAX_LIST = 100;
/** Tags are tested one by one, each a bound value. */
const MAX_TAGS = 20;

function time(v: unknown): number | null {
  if (typeof v === "number" && Number.isInteger(v) && v >= 0) return v;
  if (typeof v === "string" && /^\d{4}-\d{2}-\d{2}/.test(v)) {
    const t = Date.parse(v);
    return Number.isNaN(t) ? null : t;
  }
  return null;
}

const seconds = (v: unknown): number | null => (typeof v === "number" && Number.isFinite(v) && v >= 0 ? Math.round(v * 1000) : null);

function text(v: unknown): string | null {
  if (typeof v !== "string") return null;
  const t = v.trim();
  return t.length >= 1 && t.length <= MAX_TEXT ? t : null;
}

/**
 * Checks one condition against its field's type; the condition to run, or a message saying what
 * is wrong with it.
 */
export function checkCondition(c: ConditionInput, enums: EnumValues): Condition | string {
  const type = searchFields[c.field];
  const { field, op } = c;
  if (!operatorsOf[type].includes(op)) return `${field} takes ${operatorsOf[type].join(", ")}, not ${op}`;
  if (op === "is_empty" || op === "is_not_empty") {
    if (c.value !== undefined && c.value !== null) return `${op} takes no value`;
    return { field, op };
  }
  const value = c.value;
  const allowed = type === "enum" ? enums[field as keyof EnumValues] : undefined;
  const one = (v: unknown): string | null => {
    const t = text(v);
    if (t === null) return null;
    return allowed && !allowed.includes(t) ? null : t;
  };
  const oneMessage = allowed ? `one of ${allowed.join(", ")}` : `a string of 1–${MAX_TEXT} characters`;
  switch (type) {
    case "boolean":
      return typeof value === "boolean" ? { field, op: "equals", value } : `${field} takes true or false`;
    case "time":
    case "duration": {
      const read = type === "time" ? time : seconds;
      const what = type === "time" ? "epoch milliseconds or an ISO 8601 date-time" : "a number of seconds, 0 or more";
      if (op === "between") {
        const pair = Array.isArray(value) && value.length === 2 ? value.map(read) : null;
        if (!pair || pair[0] === null || pair[1] === null) return `between takes [from, to], each ${what}`;
        if (pair[0]! > pair[1]!) return "between takes [from, to] with from ≤ to";
        return { field, op, value: [pair[0]!, pair[1]!] };
      }
      const v = read(value);
      if (v === null) return `${op} takes ${what}`;
      return { field, op: op as "before", value: v };
    }
    default: {
      if (op === "in" || op === "not_in") {
        const max = type === "tags" ? MAX_TAGS : MAX_LIST;
        if (!Array.isArray(value) || value.length === 0 || value.length > max) return `${op} takes a list of 1–${max} values`;
        const list = value.map(one);
        if (list.some((v) => v === null)) return `${op} takes a list whose values are each ${oneMessage}`;
        return { field, op, value: [...new Set(list as string[])] };
      }
      const v = one(value);
      if (v === null) return `${op} takes ${oneMessage}`;
      return { field, op: op as "equals", value: v };
    }
  }
}

/** The enabled conditions, checked; every problem, by the condition's index, when any is wrong. */
export function checkSearch(input: SearchInput, enums: EnumValues): { match: "all" | "any"; conditions: Condition[] } | { problems: SearchProblem[] } {
  const conditions: Condition[] = [];
  const problems: SearchProblem[] = [];
  input.conditions.forEach((c, index) => {
    const checked = checkCondition(c, enums);
    if (typeof checked === "string") problems.push({ index, message: checked });
    else if (!c.disabled) conditions.push(checked);
  });
  return problems.length > 0 ? { problems } : { match: input.match, conditions };
}

/** `GET /tickets`' filters, each the condition it stands for (matched all). */
export type ListFilters = {
  accountId?: string;
  queueId?: string;
  provider?: string;
  status?: string;
  assigneeId?: string;
  unread?: boolean;
  tags?: string[];
  tagsMatch?: "any" | "all";
  disposition?: string;
  contactId?: number;
  createdFrom?: number;
  createdTo?: number;
  closedFrom?: number;
  closedTo?: number;
  q?: string;
};

/** The list's filters as the conditions they stand for. */
export function filterConditions(f: ListFilters): Condition[] {
  const out: Condition[] = [];
  if (f.accountId !== undefined) out.push({ field: "account", op: "equals", value: f.accountId });
  if (f.queueId !== undefined) out.push({ field: "queue", op: "equals", value: f.queueId });
  if (f.provider !== undefined) out.push({ field: "provider", op: "equals", value: f.provider });
  if (f.status !== undefined) out.push({ field: "status", op: "equals", value: f.status });
  if (f.assigneeId !== undefined) out.push({ field: "agent", op: "equals", value: f.assigneeId });
  if (f.unread !== undefined) out.push({ field: "unread", op: "equals", value: f.unread });
  if (f.tags !== undefined && f.tags.length > 0) {
    if (f.tagsMatch === "all") for (const tag of f.tags) out.push({ field: "tags", op: "contains", value: tag });
    else out.push({ field: "tags", op: "in", value: f.tags });
  }
  if (f.disposition !== undefined) out.push({ field: "disposition", op: "equals", value: f.disposition });
  if (f.contactId !== undefined) out.push({ field: "contact", op: "equals", value: String(f.contactId) });
  if (f.createdFrom !== undefined) out.push({ field: "created", op: "after", value: f.createdFrom });
  if (f.createdTo !== undefined) out.push({ field: "created", op: "before", value: f.createdTo });
  if (f.closedFrom !== undefined) out.push({ field: "closed", op: "after", value: f.closedFrom });
  if (f.closedTo !== undefined) out.push({ field: "closed", op: "before", value: f.closedTo });
  if (f.q !== undefined) out.push({ field: "messageText", op: "contains", value: f.q });
  return out;
}
