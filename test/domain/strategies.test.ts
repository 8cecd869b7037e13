import { describe, expect, it } from "vitest";
import { chooseAgents, type RingCandidate } from "../../src/domain/ring";

/** A small seeded PRNG (mulberry32), so "random" is repeatable. */
function seeded(seed: number) {
  return () => {
    seed |= 0;
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const agent = (id: string, o: Partial<RingCandidate> = {}): RingCandidate => ({ id, lastOfferAt: 0, load: 0, idleSince: 0, weight: 1, assignedCount: 0, ...o });

/** Plays n tickets through a strategy, updating the candidates as the queue object would. */
function play(strategy: Parameters<typeof chooseAgents>[0], agents: RingCandidate[], n: number, random = seeded(7)) {
  const counts = new Map(agents.map((a) => [a.id, 0]));
  for (let t = 1; t <= n; t++) {
    const [a] = chooseAgents(strategy, agents, { random });
    a!.lastOfferAt = t;
    a!.assignedCount++;
    counts.set(a!.id, counts.get(a!.id)! + 1);
  }
  return counts;
}

describe("ring strategies", () => {
  it("round-robin: even to within one over 1000 tickets", () => {
    const counts = [...play("round-robin", [agent("a"), agent("b"), agent("c")], 1000).values()];
    expect(Math.max(...counts) - Math.min(...counts)).toBeLessThanOrEqual(1);
  });

  it("percentage: 60/30/10 weights give within one ticket of the exact split over 1000", () => {
    const counts = play("percentage", [agent("a", { weight: 60 }), agent("b", { weight: 30 }), agent("c", { weight: 10 })], 1000);
    expect(Math.abs(counts.get("a")! - 600)).toBeLessThanOrEqual(1);
    expect(Math.abs(counts.get("b")! - 300)).toBeLessThanOrEqual(1);
    expect(Math.abs(counts.get("c")! - 100)).toBeLessThanOrEqual(1);
  });

  it("percentage: an agent with weight 0 gets tickets only when no weighted agent is available", () => {
    expect(chooseAgents("percentage", [agent("z", { weight: 0 }), agent("w", { weight: 5 })], { random: Math.random })[0]!.id).toBe("w");
    expect(chooseAgents("percentage", [agent("z", { weight: 0 })], { random: Math.random })[0]!.id).toBe("z");
  });

  it("random: every agent gets a fair share (within 15 % of 1/3 over 3000 seeded draws)", () => {
    const counts = [...play("random", [agent("a"), agent("b"), agent("c")], 3000, seeded(42)).values()];
    for (const c of counts) expect(Math.abs(c - 1000)).toBeLessThan(150);
  });

  it("least-busy: the agent with the fewest tickets", () => {
    const picked = chooseAgents("least-busy", [agent("a", { load: 2 }), agent("b", { load: 0, lastOfferAt: 9 }), agent("c", { load: 1 })], { random: Math.random });
    expect(picked.map((a) => a.id)).toEqual(["b"]);
  });

  it("longest-idle: the agent free for longest; agents holding tickets come last", () => {
    const agents = [agent("busy", { idleSince: null, load: 1 }), agent("recent", { idleSince: 5000 }), agent("early", { idleSince: 1000 })];
    expect(chooseAgents("longest-idle", agents, { random: Math.random })[0]!.id).toBe("early");
    expect(chooseAgents("longest-idle", [agents[0]!, agent("recent2", { idleSince: 9000 })], { random: Math.random })[0]!.id).toBe("recent2");
  });

  it("sticky: the preferred agent when available, else the fallback strategy", () => {
    const agents = [agent("a", { lastOfferAt: 1 }), agent("b", { lastOfferAt: 5 })];
    expect(chooseAgents("sticky", agents, { random: Math.random, preferredAgentId: "b" })[0]!.id).toBe("b");
    expect(chooseAgents("sticky", agents, { random: Math.random, preferredAgentId: "gone" })[0]!.id).toBe("a");
    expect(chooseAgents("sticky", [agent("a", { load: 3 }), agent("b", { load: 0 })], { random: Math.random, fallback: "least-busy" })[0]!.id).toBe("b");
  });

  it("ring-all: every available agent at once; nobody when nobody is available", () => {
    expect(chooseAgents("ring-all", [agent("a"), agent("b")], { random: Math.random }).map((a) => a.id)).toEqual(["a", "b"]);
    expect(chooseAgents("ring-all", [], { random: Math.random })).toEqual([]);
  });
});

import { estimateWaitS, nextPace } from "../../src/domain/wait-estimate";

describe("wait estimate", () => {
  it("is the position times the queue's pace, capped", () => {
    expect(estimateWaitS({ position: 3, paceMs: 80_000, agentsOnline: 2, capS: 3600 })).toBe(240);
    expect(estimateWaitS({ position: 30, paceMs: 80_000, agentsOnline: 2, capS: 600 })).toBe(600);
  });
  it("falls back to a per-ticket guess split over the agents online before the queue has a pace", () => {
    expect(estimateWaitS({ position: 2, paceMs: null, agentsOnline: 4, capS: 3600 })).toBe(60);
    expect(estimateWaitS({ position: 2, paceMs: null, agentsOnline: 0, capS: 3600 })).toBe(240);
  });
  it("moves the pace towards new intervals", () => {
    expect(nextPace(null, 50_000)).toBe(50_000);
    expect(nextPace(50_000, 100_000)).toBe(60_000);
  });
});
