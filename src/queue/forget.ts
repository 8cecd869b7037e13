// Tickets erased from D1 (the tickets API's deletions, a contact's erasure): the queue object lets go of them.
import type { QueueHost } from "./host";
import { ticketGone } from "./spying";

/**
 * Forgets each ticket here: its row, offers, timers and any mark of its hand-over go; the agent
 * holding it and those offered it get `ticket.deleted`. Frames already kept for replay that carry
 * the ticket (its messages, its view) are overwritten in place by that frame, so a reconnecting
 * agent replays no erased text and its sequence has no gap. Returns the ids this queue held.
 */
export function forgetTickets(q: QueueHost, ticketIds: readonly number[], now: number): number[] {
  q.store.eraseFrames(ticketIds);
  const held: number[] = [];
  for (const ticketId of ticketIds) {
    q.store.dropHandOver(ticketId);
    const row = q.store.ticket(ticketId);
    if (!row) continue;
    held.push(ticketId);
    const told = new Set(q.store.offerees(ticketId));
    if (row.state === "assigned" && row.agent_id) told.add(row.agent_id);
    if (row.transfer_to) told.add(row.transfer_to);
    q.store.removeTicket(ticketId);
    if (row.state === "assigned" && row.agent_id) q.store.markFreed(row.agent_id, now);
    for (const agentId of told) if (q.store.agent(agentId)) q.send(agentId, { type: "ticket.deleted", ticketId }, now);
    ticketGone(q, ticketId, "deleted");
  }
  return held;
}
