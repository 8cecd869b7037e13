import { describe, expect, it } from "vitest";
import { call } from "../helpers/api";

// A client validating against the OpenAPI document reads each `pattern` as JSON Schema says: an
// ECMA-262 pattern, Unicode-aware, without delimiters or flags.

function patternsOf(node: unknown, path = "#", out: { path: string; pattern: string }[] = []) {
  if (Array.isArray(node)) node.forEach((item, i) => patternsOf(item, `${path}/${i}`, out));
  else if (node && typeof node === "object") {
    for (const [key, value] of Object.entries(node)) {
      if (key === "pattern" && typeof value === "string") out.push({ path, pattern: value });
      else patternsOf(value, `${path}/${key}`, out);
    }
  }
  return out;
}

describe("OpenAPI document: patterns", () => {
  it("every pattern is a plain ECMA-262 pattern, with no regex literal's slash and flags", async () => {
    const doc = (await call("/api/openapi.json")).data;
    const patterns = patternsOf(doc);
    expect(patterns.length).toBeGreaterThan(5);
    for (const { path, pattern } of patterns) {
      expect(() => new RegExp(pattern, "u"), path).not.toThrow();
      expect(pattern, path).not.toMatch(/(^|[^\\])(\\\\)*\/[dgimsuyv]+$/);
    }
  });

  it("the customer command pattern accepts the commands the API accepts, /new and non-ASCII ones included", async () => {
    const doc = (await call("/api/openapi.json")).data;
    const commands = doc.components.schemas.ConversationSettings.properties.commands;
    for (const name of ["newTicket", "switchTicket", "listTickets"]) {
      const command = new RegExp(commands.properties[name].pattern, "u");
      for (const ok of ["/new", "/ticket", "/tickets", "/yeni", "/taleplerim", "/çağrı", "/новый", "/票"]) expect(command.test(ok), `${name} ${ok}`).toBe(true);
      for (const bad of ["new", "/", "/new ticket", "/yeni!", `/${"a".repeat(32)}`]) expect(command.test(bad), `${name} ${bad}`).toBe(false);
    }
  });
});
