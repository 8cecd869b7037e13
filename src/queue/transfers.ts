// Transfers of a held ticket to a colleague or another queue, and tickets transferred here.
import { canMoveTo } from "../db/ticket-moves";
import type { TransferBack, TransferIn } from "./arrivals";
import { holds, socketsOf, type QueueHost } from "./host";
import { ensureQueueName, startPositionUpdates } from "./customer-notices";
import { offerView } from "./offer-view";
import { claimExtra } from "./capacity";
import { alreadyServed, giveBack, handOver } from "./hand-over";


/** A ticket transferred here from another queue: it waits for an agent here, and returns if nobody takes it in time. */
export async function receiveTransfer(q: QueueHost, input: TransferIn) {
  await ensureQueueName(q);
  const now = Date.now();
  if (!q.store.firstArrival(input.moveId, input.ticket.id, now) || alreadyServed(q, input.ticket.id, input.timers)) return;
  q.store.enqueueTransfer(input.ticket, input.preview, now, input.from);
  if (input.settings) q.store.setSettings(input.ticket.id, input.settings);
  q.store.resumeTimers(input.ticket.id, input.timers);
  startPositionUpdates(q, input.ticket.id, now);
  q.store.schedule("transfer_return", String(input.ticket.id), now + input.returnAfterS * 1000);
  q.dispatch(now);
  q.publish(now);
}

/** A ticket this queue transferred away came back unaccepted: it is the transferring agent's again. */
export async function transferReturned(q: QueueHost, input: TransferBack) {
  await ensureQueueName(q);
  if (!q.store.firstArrival(input.moveId, input.ticket.id, Date.now())) return; // a repeat: acknowledged, not applied again
  await giveBack(q, input, "not_accepted");
  q.dispatch(Date.now());
  q.publish(Date.now());
}

/** Offers a held ticket to a colleague here; the holder keeps it until they accept, and gets it back on decline or timeout. */
export async function transferToAgent(q: QueueHost, ws: WebSocket, agentId: string, ticketId: number, toAgentId: string) {
  const now = Date.now();
  if (!holds(q, agentId, ticketId)) return q.reject(ws, agentId, "not_your_ticket", "You do not hold this ticket", { ticketId });
  const row = q.store.ticket(ticketId)!;
  if (row.transfer_to) return q.reject(ws, agentId, "transfer_pending", "A transfer of this ticket is already waiting for an answer", { ticketId });
  const target = q.store.agent(toAgentId);
  const config = q.store.config();
  const online = target && target.id !== agentId && target.connected && target.chosen_status === "online" && socketsOf(q, target.id).length > 0;
  if (!target || !online) return q.reject(ws, agentId, "transfer_unavailable", "That agent is not online in this queue", { ticketId, agentId: toAgentId });
  if (q.store.load(target.id) >= target.capacity + config.maxExtraChats) {
    return q.reject(ws, agentId, "transfer_unavailable", "That agent has no room for another ticket", { ticketId, agentId: toAgentId });
  }
  const expiresAt = now + config.transferTimeoutS * 1000;
  q.store.offerTransfer(ticketId, target.id);
  q.store.schedule("transfer_expiry", String(ticketId), expiresAt);
  // The colleague's room counts their tickets in every queue: their ledger decides before the offer goes out.
  const granted = await claimExtra(q, target, ticketId, "offer");
  const pending = q.store.ticket(ticketId)?.transfer_to === target.id && holds(q, agentId, ticketId);
  if (!granted) {
    q.store.dropClaim(ticketId, target.id);
    if (pending) q.store.endTransfer(ticketId);
    return q.reject(ws, agentId, "transfer_unavailable", "That agent has no room for another ticket", { ticketId, agentId: toAgentId });
  }
  if (!pending) return; // ended meanwhile (the colleague went away): the sender has heard why
  q.send(target.id, { type: "offer", ...offerView(q, q.store.ticket(ticketId)!), ...{ transferFrom: { agentId, queueId: q.queueId } }, expiresAt }, Date.now());
}

/** Hands a held ticket to another queue; it comes back to this agent if nobody there takes it in that queue's transfer time. */
export async function transferToQueue(q: QueueHost, ws: WebSocket, agentId: string, ticketId: number, toQueueId: string) {
  if (!holds(q, agentId, ticketId)) return q.reject(ws, agentId, "not_your_ticket", "You do not hold this ticket", { ticketId });
  if (toQueueId === q.queueId) return q.reject(ws, agentId, "transfer_unavailable", "The ticket is already in this queue", { ticketId });
  if (q.store.ticket(ticketId)!.transfer_to) return q.reject(ws, agentId, "transfer_pending", "A transfer of this ticket is already waiting for an answer", { ticketId });
  if (!(await canMoveTo(q.env.DB, ticketId, toQueueId))) {
    return q.reject(ws, agentId, "transfer_unavailable", "No such queue, or the ticket is closed", { ticketId, queueId: toQueueId });
  }
  // D1 answered: the agent may have let go of the ticket meanwhile.
  const row = q.store.ticket(ticketId);
  if (!row || !holds(q, agentId, ticketId)) return q.reject(ws, agentId, "not_your_ticket", "You do not hold this ticket", { ticketId });
  if (row.transfer_to) return q.reject(ws, agentId, "transfer_pending", "A transfer of this ticket is already waiting for an answer", { ticketId });
  // Out of this queue and recorded as on its way in one step; delivered until the other queue has it.
  const now = Date.now();
  const timers = q.store.conversationTimers(ticketId);
  q.store.removeTicket(ticketId);
  q.store.markFreed(agentId, now);
  q.send(agentId, { type: "ticket.transferred", ticketId, to: { queueId: toQueueId } }, now);
  const input = {
    moveId: crypto.randomUUID(),
    ticket: row.view,
    preview: row.preview,
    from: { queueId: q.queueId, agentId },
    returnAfterS: q.store.config().transferTimeoutS,
    settings: row.settings,
    timers,
  };
  await handOver(q, toQueueId, { kind: "transfer", input }, row.enqueued_at);
  q.dispatch(Date.now());
}
