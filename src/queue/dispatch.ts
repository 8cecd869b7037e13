// Offering waiting tickets to available agents, by the queue's ring strategy.
import { chooseAgents, type RingCandidate } from "../domain/ring";
import { fullElsewhere, type AgentRow } from "./store";
import { hasTimer, socketsOf, type QueueHost } from "./host";
import { needsGrant, sendOffer } from "./capacity";

/** When every available agent has passed on a ticket, it waits this long before the next round. */
const RING_ROUND_PAUSE_MS = 5_000;


/** Offers every waiting ticket it can, oldest first, to the agents the queue's strategy picks. */
export function dispatch(q: QueueHost, now: number) {
  const config = q.store.config();
  if (config.closeAutoAssign) return; // agents pick tickets themselves
  let available = availableAgents(q, now);
  if (available.length === 0) return;
  for (const ticket of q.store.waitingTickets()) {
    if (available.length === 0) return;
    const tried = q.store.attemptedAgents(ticket.id);
    let untried = available.filter((a) => !tried.has(a.id));
    // Sticky: while the wait lasts, only the agent who served the contact before may take it.
    const sticky = ticket.sticky_until !== null && ticket.sticky_until > now ? ticket.preferred_agent_id : null;
    if (sticky) untried = untried.filter((a) => a.id === sticky);
    if (untried.length === 0) {
      // Everyone available has passed on it: start a new round after a pause, not straight back.
      if (!sticky && !hasTimer(q, "ring_retry", String(ticket.id))) q.store.schedule("ring_retry", String(ticket.id), now + RING_ROUND_PAUSE_MS);
      continue;
    }
    const chosen = chooseAgents(config.strategy, untried, {
      random: Math.random,
      preferredAgentId: ticket.preferred_agent_id,
      fallback: config.stickyFallback,
    });
    const expiresAt = now + config.agentRingTimeS * 1000;
    q.store.offer(ticket.id, chosen.map((a) => a.id), expiresAt, now);
    q.store.schedule("offer_expiry", String(ticket.id), expiresAt);
    // Each offer is a claim on the agent's capacity in every queue: it goes out once their ledger grants it (capacity.ts).
    // An agent whose slots are all here, short of their last, is offered at once (needsGrant).
    for (const agent of chosen) {
      if (needsGrant(q, agent.id, q.store.load(agent.id), agent.capacity)) q.store.addClaim(ticket.id, agent.id, "offer", agent.capacity);
      else sendOffer(q, agent.id, ticket.id, now);
    }
    // Only the chosen agents' load and last offer changed: the next ticket sees them as they are now,
    // without looking at every agent again (the work stays the same however large the roster).
    const chosenIds = new Set(chosen.map((a) => a.id));
    const claimed = q.store.claimedAgents(config.priority, now);
    available = available.flatMap((a) => (chosenIds.has(a.id) ? (candidate(q, q.store.agent(a.id), claimed) ?? []) : [a]));
  }
}

/** Sticky strategy: hold a new ticket for the contact's previous agent for a while. */
export function stickyFor(q: QueueHost, lastAgentId: string | null, now: number) {
  const config = q.store.config();
  if (config.strategy !== "sticky" || !lastAgentId) return undefined;
  const until = now + config.stickyWaitS * 1000;
  return { agentId: lastAgentId, until };
}

/** Available, with room under their capacity (here, and in every queue as their ledger last said), and not claimed by a queue of higher priority. */
function availableAgents(q: QueueHost, now: number): Candidate[] {
  const claimed = q.store.claimedAgents(q.store.config().priority, now);
  const available: Candidate[] = [];
  for (const a of q.store.agents()) {
    const c = candidate(q, a, claimed);
    if (c) available.push(c);
  }
  return available;
}

type Candidate = RingCandidate & { capacity: number };

function candidate(q: QueueHost, a: AgentRow | undefined, claimed: ReadonlySet<string>): Candidate | null {
  if (!a || claimed.has(a.id) || fullElsewhere(a) || !isAvailable(q, a.id, a)) return null;
  const load = q.store.load(a.id);
  if (load >= a.capacity) return null;
  return { id: a.id, capacity: a.capacity, weight: a.weight, load, lastOfferAt: a.last_offer_at, idleSince: a.idle_since, assignedCount: a.assigned_count };
}

/** Online (not away) with a live socket: able to answer a customer now. */
export function isAvailable(q: QueueHost, agentId: string, agent = q.store.agent(agentId)): boolean {
  return !!agent && agent.connected === 1 && agent.chosen_status === "online" && socketsOf(q, agentId).length > 0;
}
