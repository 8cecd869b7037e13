/**
 * Texts of the hub's automatic messages (welcome, out of hours, queue position...): plain text with
 * `{{variable}}` placeholders, checked when an admin saves them and filled in when one is sent.
 */
import { z } from "zod";

export const templateVariables = [
  "contact.name",
  "contact.firstName",
  "ticket.id",
  "queue.name",
  "queue.position",
  "queue.waitMinutes",
  "queue.wait",
  "agent.name",
  "businessHours",
  "account.name",
  /** The channel the customer wrote on: Telegram, Instagram, WhatsApp… */
  "source",
  /** In answers to customer commands: the account's switch command ("/ticket"). */
  "command",
  /** In the answer to the list command: the customer's open tickets, one per line. */
  "tickets",
] as const;
export type TemplateVariable = (typeof templateVariables)[number];
export type TemplateVars = Record<TemplateVariable, string | number>;

type Part = { text: string } | { variable: string };
type Parsed = { parts: Part[]; errors: string[] };

const NAME = /^\s*([A-Za-z][A-Za-z0-9_]*(?:\.[A-Za-z][A-Za-z0-9_]*)*)\s*$/;

function parse(template: string): Parsed {
  const parts: Part[] = [];
  const errors: string[] = [];
  const text = (from: number, to: number) => {
    const stray = template.slice(from, to).indexOf("}}");
    if (stray >= 0) errors.push(`"}}" at position ${from + stray + 1} closes no "{{"`);
    if (to > from) parts.push({ text: template.slice(from, to) });
  };
  let i = 0;
  while (i < template.length) {
    const open = template.indexOf("{{", i);
    if (open < 0) break;
    text(i, open);
    const close = template.indexOf("}}", open + 2);
    const nextOpen = template.indexOf("{{", open + 2);
    if (close < 0 || (nextOpen >= 0 && nextOpen < close)) {
      errors.push(`"{{" at position ${open + 1} is never closed with "}}"`);
      parts.push({ text: template.slice(open, open + 2) });
      i = open + 2;
      continue;
    }
    const source = template.slice(open, close + 2);
    const name = NAME.exec(source.slice(2, -2))?.[1];
    if (name) parts.push({ variable: name });
    else {
      errors.push(`${source} is not a variable: expected a name such as {{contact.name}}`);
      parts.push({ text: source });
    }
    i = close + 2;
  }
  text(i, template.length);
  return { parts, errors };
}

/**
 * A template as admins save it: 1–1000 characters whose placeholders are all well formed and among
 * `allowed` (every known variable unless a message offers fewer, e.g. no agent.name before one is assigned).
 */
export function templateSchema(allowed: readonly string[] = templateVariables, max = 1000) {
  return z
    .string()
    .min(1)
    .max(max)
    .superRefine((template, ctx) => {
      const { parts, errors } = parse(template);
      for (const part of parts) {
        if (!("variable" in part) || allowed.includes(part.variable)) continue;
        const known = (templateVariables as readonly string[]).includes(part.variable);
        errors.push(
          known
            ? `Variable {{${part.variable}}} is not available in this message (available: ${allowed.join(", ") || "none"})`
            : `Unknown variable {{${part.variable}}} (available: ${allowed.join(", ") || "none"})`,
        );
      }
      for (const message of errors) ctx.addIssue({ code: "custom", message });
    });
}

/** The longest text of an automatic message, inline or a library template's body. */
export const MAX_MESSAGE_TEMPLATE = 4096;

/** A library template's body: any known variable, up to 4096 characters. */
export const templateBodySchema = templateSchema(templateVariables, MAX_MESSAGE_TEMPLATE);

/** Where an automatic message names a library template instead of keeping its own text (docs/templates.md). */
export const templateRefSchema = z
  .object({ templateId: z.string().regex(/^tpl_[A-Za-z0-9_-]{1,60}$/, 'Expected a template id such as "tpl_…"') })
  .strict();
export type TemplateRef = z.output<typeof templateRefSchema>;

/**
 * An automatic message as admins set it: inline text ("" for none) whose variables are among
 * `allowed`, or a library template by id (checked against `allowed` where it is saved, since the
 * body lives elsewhere).
 */
export const automaticMessageSchema = (allowed: readonly string[], fallback = "") => {
  const inline = fallback === "" ? z.union([z.literal(""), templateSchema(allowed, MAX_MESSAGE_TEMPLATE)]) : templateSchema(allowed, MAX_MESSAGE_TEMPLATE);
  return z.union([inline, templateRefSchema]).default(fallback);
};

/** A place where an automatic message may name a library template: its path in the settings and the variables it offers. */
export type MessageField = { path: readonly string[]; allowed: readonly string[] };

/** A library template's id → body, for the templates some settings name. */
export type TemplateBodies = Readonly<Record<string, string>>;

/** The templates `value` names at `fields`, with where. */
export function templateRefsAt(value: unknown, fields: readonly MessageField[]): { field: MessageField; templateId: string }[] {
  const out: { field: MessageField; templateId: string }[] = [];
  for (const field of fields) {
    const v = field.path.reduce<unknown>((at, key) => (at && typeof at === "object" ? (at as Record<string, unknown>)[key] : undefined), value);
    if (isTemplateRef(v)) out.push({ field, templateId: v.templateId });
  }
  return out;
}

/**
 * `value` with each template reference at `fields` replaced by the template's body ("" when the
 * template is gone: nothing is sent), keys kept in their order. Other values are left as they are.
 */
export function withTemplateBodies<T>(value: T, fields: readonly MessageField[], bodies: TemplateBodies): T {
  const put = (at: unknown, path: readonly string[]): unknown => {
    if (!at || typeof at !== "object") return at;
    const [key, ...rest] = path as [string, ...string[]];
    const here = (at as Record<string, unknown>)[key];
    const next = rest.length > 0 ? put(here, rest) : isTemplateRef(here) ? (bodies[here.templateId] ?? "") : here;
    return next === here ? at : { ...(at as Record<string, unknown>), [key]: next };
  };
  return fields.reduce<unknown>((v, f) => put(v, f.path), value) as T;
}

export const isTemplateRef = (v: unknown): v is TemplateRef => typeof v === "object" && v !== null && typeof (v as TemplateRef).templateId === "string";

/** The problems of `body` as a message offering `allowed` (empty when it is fine). */
export function templateProblems(body: string, allowed: readonly string[] = templateVariables): string[] {
  const result = templateSchema(allowed, MAX_MESSAGE_TEMPLATE).safeParse(body);
  return result.success ? [] : result.error.issues.map((i) => i.message);
}

/** The variables a template uses, each once, in the order they first appear. */
export function variablesOf(template: string): string[] {
  const out: string[] = [];
  for (const part of parse(template).parts) if ("variable" in part && !out.includes(part.variable)) out.push(part.variable);
  return out;
}

/** What a preview fills in for the variables it is not given (docs/templates.md lists them). */
export const sampleValues: Record<TemplateVariable, string> = {
  "contact.name": "Ayşe Yılmaz",
  "contact.firstName": "Ayşe",
  "ticket.id": "1432",
  "queue.name": "Müşteri Hizmetleri",
  "queue.position": "3",
  "queue.waitMinutes": "4",
  "queue.wait": "about 4 minutes",
  "agent.name": "Jürgen Weiß",
  businessHours: "Mon–Fri 09:00–18:00 (Europe/Istanbul)",
  "account.name": "Çiçek Sepeti Destek",
  source: "Telegram",
  command: "/ticket",
  tickets: "▶ #1432 Sipariş gecikti\n#1433 İade",
};

/** A template rendered as a customer would read it: `values` where given, sample values for the rest. */
export function previewTemplate(template: string, values: Partial<Record<string, string>> = {}): string {
  return renderTemplate(template, { ...sampleValues, ...values } as Partial<TemplateVars>);
}

/**
 * Fills in the placeholders in one pass, so values are never read as templates. A variable with no
 * value renders as "", and the space that would then be doubled (or lead a line) is dropped.
 * Anything that is not a well-formed placeholder is left as written.
 */
export function renderTemplate(template: string, vars: Partial<TemplateVars>): string {
  let out = "";
  let dropSpaces = false;
  for (const part of parse(template).parts) {
    if ("text" in part) {
      const literal: string = dropSpaces ? part.text.replace(/^ +/, "") : part.text;
      out += literal;
      dropSpaces = dropSpaces && literal === "";
      continue;
    }
    const value = vars[part.variable as TemplateVariable];
    const rendered = value === undefined || value === null ? "" : String(value);
    out += rendered;
    if (rendered === "") dropSpaces = dropSpaces || out === "" || out.endsWith(" ") || out.endsWith("\n");
    else dropSpaces = false;
  }
  return out;
}

/** `queue.waitMinutes`: the estimate rounded up to whole minutes, at least 1. */
export function waitMinutes(seconds: number): number {
  return Math.max(1, Math.ceil(Math.max(0, seconds) / 60));
}

/** `queue.wait`: "less than a minute", "about 4 minutes", "about 1 hour 10 minutes". */
export function formatWait(seconds: number): string {
  if (!(seconds >= 60)) return "less than a minute";
  const minutes = waitMinutes(seconds);
  const plural = (n: number, unit: string) => `${n} ${unit}${n === 1 ? "" : "s"}`;
  if (minutes < 60) return `about ${plural(minutes, "minute")}`;
  const hours = Math.floor(minutes / 60);
  const rest = minutes % 60;
  return `about ${plural(hours, "hour")}${rest ? ` ${plural(rest, "minute")}` : ""}`;
}

/** `contact.firstName`: the first word of the contact's name. */
export function firstName(name: string): string {
  return name.trim().split(/\s+/u)[0] ?? "";
}
