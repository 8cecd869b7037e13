// The conversation's clocks: who wrote last, Agent Timeout, and ending a conversation when one runs out.
import { endConversation as endStoredConversation, type ConversationEnd } from "../db/replies";
import { hasTimer, type QueueHost } from "./host";
import { enqueueDelivery } from "../outbox/enqueue";

/** A customer message: the idle clocks restart, an unanswered-message clock starts if none runs, the agent's wait for an answer ends. */
export function customerWrote(q: QueueHost, ticketId: number, now: number) {
  const c = q.store.config();
  const ref = String(ticketId);
  if (c.idleSessionTimeoutS > 0) q.store.schedule("idle_session", ref, now + c.idleSessionTimeoutS * 1000);
  if (c.messageTimeoutMin > 0) q.store.schedule("message_timeout", ref, now + c.messageTimeoutMin * 60_000);
  if (c.contactMessageTimeoutS > 0 && !hasTimer(q, "contact_message", ref)) q.store.schedule("contact_message", ref, now + c.contactMessageTimeoutS * 1000);
  q.store.cancelTimer("agent_message", ref);
}

/** An agent's reply: the customer is answered, and now the customer's answer is awaited. */
export function agentWrote(q: QueueHost, ticketId: number, now: number) {
  const c = q.store.config();
  const ref = String(ticketId);
  q.store.cancelTimer("agent_timeout", ref);
  q.store.cancelTimer("contact_message", ref);
  if (c.idleSessionTimeoutS > 0) q.store.schedule("idle_session", ref, now + c.idleSessionTimeoutS * 1000);
  if (c.messageTimeoutMin > 0) q.store.schedule("message_timeout", ref, now + c.messageTimeoutMin * 60_000);
  if (c.agentMessageTimeoutS > 0) q.store.schedule("agent_message", ref, now + c.agentMessageTimeoutS * 1000);
}

/** Agent Timeout: the agent holding the ticket must answer the customer within the queue's time. */
export function startAgentTimeout(q: QueueHost, ticketId: number, now: number) {
  const { agentTimeoutS } = q.store.config();
  if (agentTimeoutS > 0) q.store.schedule("agent_timeout", String(ticketId), now + agentTimeoutS * 1000);
}

/**
 * Ends the ticket's conversation on a timer: it leaves the queue and the agent's desk; the ticket
 * closes (idle session) or stays open for the customer's next message. A notice goes to the customer.
 */
export async function endConversation(q: QueueHost, ticketId: number, reason: ConversationEnd, closeTicket: boolean, now: number, notice?: string) {
  const row = q.store.ticket(ticketId);
  if (!row) return;
  const offerees = q.store.offerees(ticketId);
  q.store.removeTicket(ticketId);
  if (row.state === "assigned" && row.agent_id) {
    q.store.markFreed(row.agent_id, now);
    const displayUntil = now + q.store.config().closedWebchatDisplayTimeS * 1000;
    q.send(row.agent_id, { type: "conversation.ended", ticketId, reason, ticketClosed: closeTicket, displayUntil }, now);
  }
  for (const agentId of offerees) q.send(agentId, { type: "offer.withdrawn", ticketId, reason: "closed" }, now);
  const ended = await endStoredConversation(q.env.DB, { ticketId, reason, closeTicket, notice }, now);
  if (ended.notice) await enqueueDelivery(q.env, ended.notice);
}
