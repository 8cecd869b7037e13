// Ring strategies: pure choices over a snapshot of the queue's available agents.

import type { RingStrategy } from "./routing-config";

export type RingCandidate = {
  id: string;
  /** When this agent was last offered a ticket, epoch ms (0 = never). */
  lastOfferAt: number;
  /** Tickets the agent holds or is being offered now. */
  load: number;
  /** Since when the agent has held no ticket (epoch ms); null while they hold one. */
  idleSince: number | null;
  /** Share of the queue's tickets this agent should get under `percentage` (any scale). */
  weight: number;
  /** Tickets this agent has been assigned in this queue, for `percentage`. */
  assignedCount: number;
};

export type RingContext = {
  /** Uniform in [0, 1): injected so tests are deterministic. */
  random: () => number;
  /** For `sticky`: the agent who last served this contact, if still available. */
  preferredAgentId?: string | null;
  /** For `sticky`: the strategy used when the preferred agent is not (or no longer) awaited. */
  fallback?: Exclude<RingStrategy, "sticky" | "ring-all">;
};

/**
 * The agents to offer a ticket to now: one for every strategy but `ring-all`, which offers to
 * every candidate at once. Empty when there is no candidate.
 */
export function chooseAgents<C extends RingCandidate>(strategy: RingStrategy, candidates: readonly C[], ctx: RingContext): C[] {
  if (candidates.length === 0) return [];
  switch (strategy) {
    case "ring-all":
      return [...candidates];
    case "sticky": {
      const preferred = ctx.preferredAgentId ? candidates.find((c) => c.id === ctx.preferredAgentId) : undefined;
      return preferred ? [preferred] : chooseAgents(ctx.fallback ?? "round-robin", candidates, ctx);
    }
    default:
      return [pickOne(strategy, candidates, ctx.random)];
  }
}

function pickOne<C extends RingCandidate>(strategy: Exclude<RingStrategy, "sticky" | "ring-all">, c: readonly C[], random: () => number): C {
  switch (strategy) {
    case "round-robin":
      return pickRoundRobin(c)!;
    case "random":
      return c[Math.min(c.length - 1, Math.floor(random() * c.length))]!;
    case "least-busy":
      return minBy(c, (a, b) => a.load - b.load || a.lastOfferAt - b.lastOfferAt || cmp(a.id, b.id));
    case "longest-idle":
      return minBy(c, (a, b) => idle(a) - idle(b) || a.lastOfferAt - b.lastOfferAt || cmp(a.id, b.id));
    case "percentage":
      return pickByWeight(c);
  }
}

/** Round-robin: the available agent offered a ticket longest ago; ties by id, so the order is stable. */
export function pickRoundRobin<C extends Pick<RingCandidate, "id" | "lastOfferAt">>(candidates: readonly C[]): C | undefined {
  if (candidates.length === 0) return undefined;
  return minBy(candidates, (a, b) => a.lastOfferAt - b.lastOfferAt || cmp(a.id, b.id));
}

/**
 * Percentage: the agent furthest below their share. With weights 70/30 the assignments after n
 * tickets never differ from 0.7n / 0.3n by more than one. Agents with weight 0 only get a ticket
 * when nobody with a weight is available.
 */
function pickByWeight<C extends RingCandidate>(c: readonly C[]): C {
  const weighted = c.filter((a) => a.weight > 0);
  if (weighted.length === 0) return pickRoundRobin(c)!;
  const totalWeight = weighted.reduce((s, a) => s + a.weight, 0);
  const totalAssigned = weighted.reduce((s, a) => s + a.assignedCount, 0) + 1;
  const deficit = (a: C) => (a.weight / totalWeight) * totalAssigned - a.assignedCount;
  return minBy(weighted, (a, b) => deficit(b) - deficit(a) || b.weight - a.weight || cmp(a.id, b.id));
}

const idle = (a: RingCandidate) => a.idleSince ?? Number.MAX_SAFE_INTEGER;
const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

function minBy<T>(items: readonly T[], compare: (a: T, b: T) => number): T {
  let best = items[0]!;
  for (const item of items.slice(1)) if (compare(item, best) < 0) best = item as NonNullable<T>;
  return best;
}

/** Text shown in an offer: the first line of the latest message, or a word for an attachment. */
export function previewOf(body: string, attachmentKinds: readonly string[], max = 140): string {
  const line = body.trim().split("\n")[0] ?? "";
  const text = line || (attachmentKinds.length ? `[${attachmentKinds.join(", ")}]` : "");
  const chars = [...text];
  return chars.length > max ? `${chars.slice(0, max - 1).join("")}…` : text;
}
