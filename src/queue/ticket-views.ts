// Tickets as the agent holding them sees them: the view with D1's extras, and ticket.updated.
import { ticketExtras, withExtras, type TicketExtras } from "../db/agent-views";
import type { QueueHost } from "./host";

/**
 * A ticket's subject or tags changed (on the socket or through the API): the copy here follows,
 * and the agent holding it gets `ticket.updated` with its whole view.
 */
export async function ticketChanged(q: QueueHost, ticketId: number, change: { subject: string | null; tags: string[] }): Promise<void> {
  const row = q.store.ticket(ticketId);
  if (!row) return;
  const view = { ...(row.view), subject: change.subject, tags: change.tags };
  q.store.setView(ticketId, view);
  if (row.state === "assigned" && row.agent_id) await sendTicketUpdated(q, row.agent_id, ticketId);
}

/** `ticket.updated` with the ticket's view as the agent sees it now (unread, reply window from D1). */
export async function sendTicketUpdated(q: QueueHost, agentId: string, ticketId: number) {
  const extras = await extrasFor(q, [ticketId], agentId);
  const row = q.store.ticket(ticketId);
  if (row?.state !== "assigned" || row.agent_id !== agentId) return; // left the agent while D1 answered
  q.send(agentId, { type: "ticket.updated", ticket: withExtras(row.view, extras.get(ticketId)) }, Date.now());
}

/** D1's additions to agents' ticket views; none when D1 fails (the views are still useful without them). */
export async function extrasFor(q: QueueHost, ticketIds: number[], agentId: string): Promise<Map<number, TicketExtras>> {
  try {
    return await ticketExtras(q.env.DB, ticketIds, agentId);
  } catch (err) {
    console.error("could not read ticket extras", err);
    return new Map();
  }
}
