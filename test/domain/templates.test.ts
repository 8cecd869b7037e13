import { describe, expect, it } from "vitest";
import { z } from "zod";
import { firstName, formatWait, renderTemplate, templateSchema, templateVariables, waitMinutes } from "../../src/domain/templates";

const issues = (template: string, allowed?: readonly string[]) =>
  templateSchema(allowed).safeParse(template).error?.issues.map((i) => i.message) ?? [];

describe("templateSchema", () => {
  it("accepts every known variable, with or without spaces inside the braces", () => {
    const all = templateVariables.map((v, i) => (i % 2 ? `{{${v}}}` : `{{ ${v} }}`)).join(" ");
    expect(issues(all)).toEqual([]);
    expect(issues("Merhaba {{contact.firstName}}, sıranız {{ queue.position }} 🙂")).toEqual([]);
  });

  it("refuses an unknown variable and names it", () => {
    expect(issues("Hi {{contact.nmae}}")).toEqual([expect.stringContaining("Unknown variable {{contact.nmae}}")]);
    expect(issues("{{ queue.size }} {{contact.name}}")).toEqual([expect.stringContaining("{{queue.size}}")]);
  });

  it("refuses a known variable the message does not offer", () => {
    const [message] = issues("Welcome, {{agent.name}} will help you", ["contact.name", "queue.name"]);
    expect(message).toContain("{{agent.name}} is not available");
    expect(message).toContain("contact.name, queue.name");
    expect(issues("Welcome {{contact.name}}", ["contact.name"])).toEqual([]);
  });

  it("refuses malformed and unbalanced braces", () => {
    expect(issues("Hi {{contact.name}")).toEqual([expect.stringContaining('"{{" at position 4 is never closed')]);
    expect(issues("Hi contact.name}}")).toEqual([expect.stringContaining('"}}" at position 16 closes no "{{"')]);
    expect(issues("Hi {{contact.name {{queue.name}}")).toEqual([expect.stringContaining('"{{" at position 4 is never closed')]);
    expect(issues("{{}}")).toEqual([expect.stringContaining("{{}} is not a variable")]);
    expect(issues("{{contact name}}")).toEqual([expect.stringContaining("{{contact name}} is not a variable")]);
    expect(issues("{{contact..name}}")).toHaveLength(1);
    expect(issues("{{{contact.name}}}")).toHaveLength(1);
  });

  it("lets single braces through as text", () => {
    expect(issues("Prices {from 10} :-}")).toEqual([]);
  });

  it("takes 1 to 1000 characters", () => {
    expect(templateSchema().safeParse("").success).toBe(false);
    expect(templateSchema().safeParse("a".repeat(1000)).success).toBe(true);
    expect(templateSchema().safeParse("a".repeat(1001)).success).toBe(false);
  });

  it("reports the field's path inside a larger schema", () => {
    const settings = z.object({ messages: z.object({ welcome: templateSchema() }) });
    const result = settings.safeParse({ messages: { welcome: "Hello {{customer}}" } });
    expect(result.error?.issues).toEqual([expect.objectContaining({ path: ["messages", "welcome"], message: expect.stringContaining("{{customer}}") })]);
  });
});

describe("renderTemplate", () => {
  it("fills in variables, spaces inside the braces or not", () => {
    const text = renderTemplate("You are number {{queue.position}} in {{ queue.name }}, {{queue.wait}}.", {
      "queue.position": 3,
      "queue.name": "Sales",
      "queue.wait": "about 4 minutes",
    });
    expect(text).toBe("You are number 3 in Sales, about 4 minutes.");
  });

  it("passes Turkish letters and emoji through untouched", () => {
    const text = renderTemplate("Merhaba {{contact.firstName}} 👋 Sıranız: {{queue.position}}. İyi günler, {{account.name}} 🇹🇷", {
      "contact.firstName": "Şükrü",
      "queue.position": 2,
      "account.name": "Çağrı Merkezi Ağ",
    });
    expect(text).toBe("Merhaba Şükrü 👋 Sıranız: 2. İyi günler, Çağrı Merkezi Ağ 🇹🇷");
  });

  it("renders a missing value as nothing, without leaving a double space", () => {
    expect(renderTemplate("Hello {{contact.name}} and welcome", {})).toBe("Hello and welcome");
    expect(renderTemplate("{{contact.name}} welcome", {})).toBe("welcome");
    expect(renderTemplate("Hi {{contact.name}} {{agent.name}} here", { "agent.name": "Ayşe" })).toBe("Hi Ayşe here");
    expect(renderTemplate("Line\n{{agent.name}} next", {})).toBe("Line\nnext");
    expect(renderTemplate("Hello {{contact.name}}!", {})).toBe("Hello !");
  });

  it("keeps spaces the admin wrote next to filled-in values", () => {
    expect(renderTemplate("A  {{contact.name}}  B", { "contact.name": "x" })).toBe("A  x  B");
  });

  it("does not expand placeholders found in values", () => {
    expect(renderTemplate("Hi {{contact.name}}", { "contact.name": "{{agent.name}}", "agent.name": "Ayşe" })).toBe("Hi {{agent.name}}");
  });

  it("leaves malformed braces as written", () => {
    expect(renderTemplate("Hi {{contact.name} {{ }}", { "contact.name": "Ali" })).toBe("Hi {{contact.name} {{ }}");
  });
});

describe("formatWait and waitMinutes", () => {
  it("says less than a minute under 60 seconds", () => {
    expect(formatWait(0)).toBe("less than a minute");
    expect(formatWait(59)).toBe("less than a minute");
    expect(formatWait(Number.NaN)).toBe("less than a minute");
  });

  it("rounds up to whole minutes and hours", () => {
    expect(formatWait(60)).toBe("about 1 minute");
    expect(formatWait(61)).toBe("about 2 minutes");
    expect(formatWait(230)).toBe("about 4 minutes");
    expect(formatWait(3600)).toBe("about 1 hour");
    expect(formatWait(4200)).toBe("about 1 hour 10 minutes");
    expect(formatWait(7260)).toBe("about 2 hours 1 minute");
  });

  it("gives at least 1 minute, rounded up", () => {
    expect(waitMinutes(0)).toBe(1);
    expect(waitMinutes(60)).toBe(1);
    expect(waitMinutes(61)).toBe(2);
    expect(waitMinutes(239)).toBe(4);
  });
});

describe("firstName", () => {
  it("takes the first word of a name", () => {
    expect(firstName("  Şükrü Çağlar ")).toBe("Şükrü");
    expect(firstName("Ayşe")).toBe("Ayşe");
    expect(firstName("")).toBe("");
  });
});
