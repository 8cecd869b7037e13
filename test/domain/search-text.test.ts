import { describe, expect, it } from "vitest";
import { checkCondition, checkSearch, operatorsFor, searchFieldNames, searchOperators } from "../../src/domain/search-conditions";
import { foldCase, foldSearchText, ftsQuery } from "../../src/domain/search-text";

const enums = { status: ["open", "assigned", "closed"], provider: ["telegram", "meta"] };

describe("full-text queries", () => {
  it("quotes every word as a prefix, so nothing typed is query syntax", () => {
    expect(ftsQuery("Kargo gelmedi")).toBe('"Kargo" * "gelmedi" *');
    expect(ftsQuery('NEAR(a b) OR "x" AND -y*')).toBe('"NEAR" * "a" * "b" * "OR" * "x" * "AND" * "y" *');
    expect(ftsQuery("  ...!? ")).toBeNull();
  });

  it("folds what unicode61 does not: dotless ı and ß", () => {
    expect(foldSearchText("IŞIK ışık Straße GROẞ")).toBe("IŞIK işik Strasse GROss");
    expect(ftsQuery("ışık")).toBe('"işik" *');
  });

  it("text conditions fold case beyond ASCII, Turkish I and ı to i", () => {
    expect(foldCase("ZEYNEP ÇELİK Işık MÜLLER NÚÑEZ 😀")).toBe("zeynep çelik işik müller núñez 😀");
  });

  it("keeps emoji as words", () => {
    expect(ftsQuery("📦 kargo😀")).toBe('"📦" * "kargo😀" *');
  });
});

describe("conditions", () => {
  it("every field names its operators, and refuses the others", () => {
    for (const field of searchFieldNames) {
      expect(operatorsFor(field).length).toBeGreaterThan(0);
      for (const op of searchOperators.filter((o) => !operatorsFor(field).includes(o))) {
        expect(checkCondition({ field, op, value: "x" }, enums), `${field} ${op}`).toBe(`${field} takes ${operatorsFor(field).join(", ")}, not ${op}`);
      }
    }
  });

  it("reads values by type", () => {
    expect(checkCondition({ field: "created", op: "after", value: "2026-01-01T00:00:00Z" }, enums)).toEqual({ field: "created", op: "after", value: Date.UTC(2026, 0, 1) });
    expect(checkCondition({ field: "firstResponseSeconds", op: "between", value: [30, 90] }, enums)).toEqual({ field: "firstResponseSeconds", op: "between", value: [30_000, 90_000] });
    expect(checkCondition({ field: "created", op: "between", value: [5, 1] }, enums)).toMatch(/from ≤ to/);
    expect(checkCondition({ field: "provider", op: "in", value: ["meta", "meta", "telegram"] }, enums)).toEqual({ field: "provider", op: "in", value: ["meta", "telegram"] });
    expect(checkCondition({ field: "provider", op: "equals", value: "fax" }, enums)).toMatch(/one of telegram, meta/);
    expect(checkCondition({ field: "subject", op: "contains", value: "   " }, enums)).toMatch(/1–200 characters/);
    expect(checkCondition({ field: "unread", op: "equals", value: true }, enums)).toEqual({ field: "unread", op: "equals", value: true });
  });

  it("a disabled condition is checked but not run; problems name the index", () => {
    const ok = checkSearch({ match: "any", conditions: [{ field: "status", op: "equals", value: "open", disabled: true }, { field: "tags", op: "is_empty" }] }, enums);
    expect(ok).toEqual({ match: "any", conditions: [{ field: "tags", op: "is_empty" }] });
    const bad = checkSearch({ match: "all", conditions: [{ field: "tags", op: "is_empty" }, { field: "status", op: "equals", value: "gone", disabled: true }] }, enums);
    expect(bad).toEqual({ problems: [{ index: 1, message: expect.stringMatching(/one of open/) }] });
  });
});
