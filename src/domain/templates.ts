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
export function templateSchema(allowed: readonly string[] = templateVariables) {
  return z
    .string()
    .min(1)
    .max(1000)
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
