import { describe, expect, it } from "vitest";
import { retryDelayS } from "../../src/domain/backoff";
import { pickRoundRobin, previewOf } from "../../src/domain/ring";
import { routingConfigSchema } from "../../src/domain/routing-config";

describe("pickRoundRobin", () => {
  it("picks the agent offered a ticket longest ago, ties broken by id", () => {
    expect(pickRoundRobin([{ id: "b", lastOfferAt: 5 }, { id: "a", lastOfferAt: 9 }, { id: "c", lastOfferAt: 5 }])?.id).toBe("b");
    expect(pickRoundRobin([])).toBeUndefined();
  });

  it("spreads 1000 tickets evenly (within one) over three agents", () => {
    const agents = [{ id: "x", lastOfferAt: 0 }, { id: "y", lastOfferAt: 0 }, { id: "z", lastOfferAt: 0 }];
    const counts: Record<string, number> = { x: 0, y: 0, z: 0 };
    for (let t = 1; t <= 1000; t++) {
      const a = pickRoundRobin(agents)!;
      a.lastOfferAt = t;
      counts[a.id]!++;
    }
    const values = Object.values(counts);
    expect(Math.max(...values) - Math.min(...values)).toBeLessThanOrEqual(1);
  });
});

describe("previewOf", () => {
  it("takes the first line and names attachments when there is no text", () => {
    expect(previewOf("  Kargo nerede?\nikinci satır", [])).toBe("Kargo nerede?");
    expect(previewOf("", ["image", "file"])).toBe("[image, file]");
  });
  it("cuts long text on characters, not UTF-16 units, so an emoji is never split", () => {
    const p = previewOf("😀".repeat(200), [], 10);
    expect([...p]).toHaveLength(10);
    expect(p.endsWith("…")).toBe(true);
    expect(p).not.toMatch(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])/);
  });
});

describe("retryDelayS", () => {
  it("backs off exponentially from 2 s, capped at 10 minutes", () => {
    expect([1, 2, 3, 4].map((a) => retryDelayS(a))).toEqual([2, 4, 8, 16]);
    expect(retryDelayS(20)).toBe(600);
  });
  it("never retries before the provider's retry_after", () => {
    expect(retryDelayS(1, 37)).toBe(37);
    expect(retryDelayS(8, 3)).toBe(256);
  });
});

describe("routingConfigSchema", () => {
  it("fills defaults and refuses out-of-range or unknown parameters", () => {
    expect(routingConfigSchema.parse({})).toEqual({
      strategy: "round-robin",
      stickyWaitS: 30,
      stickyFallback: "round-robin",
      agentRingTimeS: 20,
      presenceGraceS: 30,
      agentTimeoutS: 0,
      closeAutoAssign: false,
      maxExtraChats: 0,
      periodToCheckS: 30,
      holdEstimationUpperLimitS: 3600,
      agentManagementAccess: true,
      agentsMayJoin: false,
      idleSessionTimeoutS: 0,
      sessionTimeoutS: 0,
      sessionTimeoutMessage: "",
      contactMessageTimeoutS: 0,
      agentMessageTimeoutS: 0,
      messageTimeoutMin: 0,
      closedWebchatDisplayTimeS: 10,
      transferTimeoutS: 60,
      priority: 50,
      leaveWhenEmpty: false,
      waitForAssignedAgentS: 10,
      waitForAssignedQueueS: 10,
      actionPlan: { steps: [], timezone: "UTC", timeRules: [] },
      translation: { provider: "none" },
      businessHours: null,
      serviceLevelTargetSeconds: 20,
      notes: "",
      logoUrl: "",
      callMeText: "",
    });
    expect(routingConfigSchema.safeParse({ agentRingTimeS: 2 }).success).toBe(false);
    expect(routingConfigSchema.safeParse({ serviceLevelTargetSeconds: 0 }).success).toBe(false);
    expect(routingConfigSchema.safeParse({ serviceLevelTargetSeconds: 86_401 }).success).toBe(false);
    expect(routingConfigSchema.safeParse({ ringTime: 20 }).success).toBe(false);
  });
});
