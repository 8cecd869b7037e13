import { describe, expect, it } from "vitest";
import { routingConfigSchema } from "../../src/domain/routing-config";
import { placements, queueGroups, routingDefaults, routingFields, unplacedKeys } from "../../web/src/admin/queue-fields";

// The queue form is built from the routing schema: every parameter must have a place in a group,
// and the range and default it shows must be the ones the API enforces.
describe("the queue form's fields", () => {
  const keys = Object.keys(routingConfigSchema.shape);

  it("places every routing parameter in one of the form's groups, and nothing else", () => {
    expect(unplacedKeys()).toEqual([]);
    expect(routingFields.map((f) => f.key)).toEqual(keys);
    for (const f of routingFields) expect(queueGroups).toContain(f.group);
    expect(Object.keys(placements).filter((k) => !keys.includes(k))).toEqual([]);
  });

  it("shows each number's range and default as the schema enforces them", () => {
    const numbers = routingFields.filter((f) => f.kind === "number");
    expect(numbers.map((f) => f.key)).toContain("agentRingTimeS");
    const defaults = routingConfigSchema.parse({}) as Record<string, unknown>;
    for (const f of numbers) {
      expect(f.min, f.key).toBeTypeOf("number");
      expect(f.max, f.key).toBeTypeOf("number");
      expect(f.defaultValue, f.key).toBe(defaults[f.key]);
      expect(routingConfigSchema.safeParse({ [f.key]: f.min }).success, `${f.key} at its minimum`).toBe(true);
      expect(routingConfigSchema.safeParse({ [f.key]: f.max }).success, `${f.key} at its maximum`).toBe(true);
      expect(routingConfigSchema.safeParse({ [f.key]: f.min! - 1 }).success, `${f.key} under its minimum`).toBe(false);
      expect(routingConfigSchema.safeParse({ [f.key]: f.max! + 1 }).success, `${f.key} over its maximum`).toBe(false);
    }
  });

  it("offers every choice the schema takes and gives texts their length limit", () => {
    const strategy = routingFields.find((f) => f.key === "strategy")!;
    expect(strategy.kind).toBe("choice");
    expect(strategy.options).toEqual(routingConfigSchema.shape.strategy.unwrap().options);
    for (const f of routingFields.filter((x) => x.kind === "text")) {
      expect(f.maxLength, f.key).toBeTypeOf("number");
      expect(routingConfigSchema.safeParse({ [f.key]: "x".repeat(f.maxLength! + 1) }).success, `${f.key} too long`).toBe(false);
    }
    expect(routingFields.find((f) => f.key === "sessionTimeoutMessage")!.kind).toBe("message");
  });

  it("starts a new queue from the schema's defaults", () => {
    expect(routingDefaults()).toEqual(routingConfigSchema.parse({}));
  });
});
