// Automatic messages to the customer (messages.away, messages.queuePosition), the wait estimate, and the agents' notification text.
import { queueName } from "../db/queue-object-reads";
import { formatWait, renderTemplate, waitMinutes, type TemplateVars } from "../domain/templates";
import { describeHours } from "../domain/business-hours";
import { estimateWaitS } from "../domain/wait-estimate";
import { tellCustomer, type CustomerNotice } from "../outbox/tell-customer";
import type { OfferNotification } from "./protocol";
import type { MessageView, TicketView } from "../kinds/views";
import type { TicketRow } from "./store";
import { ticketVars } from "./ticket-vars";
import { hasTimer, type QueueHost } from "./host";
import { settingsOf } from "./ticket-settings";

export type { CustomerNotice };

/** How long the queue's name (for templates) is reused before it is read again from D1. */
const QUEUE_NAME_TTL_MS = 5 * 60_000;

/** Where a waiting ticket stands: its position and the estimated wait (capped), or null once someone holds it. */
export async function queueStatus(q: QueueHost, ticketId: number): Promise<{ position: number; waiting: number; estimateS: number } | null> {
  const unheld = q.store.unheldTickets();
  const index = unheld.findIndex((t) => t.id === ticketId);
  if (index < 0) return null;
  return { position: index + 1, waiting: unheld.length, estimateS: estimate(q, index + 1) };
}

export function estimate(q: QueueHost, position: number): number {
  const config = q.store.config();
  const online = q.store.agents().filter((a) => a.connected && a.chosen_status === "online").length;
  return estimateWaitS({ position, paceMs: q.store.stat("pace_ms"), agentsOnline: online, capS: config.holdEstimationUpperLimitS });
}

/** Template variables for a message to the ticket's customer: the ticket, the queue, the wait, the agent holding it. */
export function customerVars(q: QueueHost, row: TicketRow): Partial<TemplateVars> {
  const view = row.view;
  const settings = settingsOf(row);
  const vars: Partial<TemplateVars> = {
    "queue.name": q.queueName?.name ?? "",
    businessHours: settings.businessHours ? describeHours(settings.businessHours) : "",
  };
  const index = q.store.unheldTickets().findIndex((t) => t.id === row.id);
  if (index >= 0) {
    const estimateS = estimate(q, index + 1);
    Object.assign(vars, { "queue.position": index + 1, "queue.waitMinutes": waitMinutes(estimateS), "queue.wait": formatWait(estimateS) });
  }
  if (row.state === "assigned" && row.agent_id) vars["agent.name"] = q.store.agent(row.agent_id)?.name ?? "";
  return ticketVars(view, vars);
}

/** Tells the customer through the hub's one voice (`src/outbox/tell-customer.ts`); the agent holding the ticket sees it here. */
async function tell(q: QueueHost, ticketId: number, notice: CustomerNotice) {
  const showToHolder = (message: MessageView) => {
    const row = q.store.ticket(ticketId);
    if (row?.state === "assigned" && row.agent_id) q.send(row.agent_id, { type: "message", message }, Date.now());
  };
  try {
    await tellCustomer(q.env, { ticketId, queueId: q.queueId }, notice, showToHolder);
  } catch (err) {
    console.error("could not send an automatic message", { ticketId, key: notice.key }, err);
  }
}

/**
 * messages.away: a new ticket found no agent able to answer now; told once per stay in the queue.
 * Rendered here (the queue's variables) but sent by the caller, after the greetings it owes.
 */
export function awayNotice(q: QueueHost, ticketId: number): CustomerNotice | null {
  const row = q.store.ticket(ticketId);
  if (!row || row.state === "assigned") return null;
  const template = settingsOf(row).messages.away;
  const text = template ? renderTemplate(template, customerVars(q, row)) : "";
  return text.trim() ? { key: `away:${ticketId}:${row.enqueued_at}`, text } : null;
}

/** Queue position updates: every queuePositionEveryS while the ticket waits (messages.queuePosition). */
export function startPositionUpdates(q: QueueHost, ticketId: number, now: number) {
  const row = q.store.ticket(ticketId);
  if (!row || row.state === "assigned") return;
  const settings = settingsOf(row);
  if (!settings.messages.queuePosition || settings.queuePositionEveryS <= 0) return;
  if (!hasTimer(q, "queue_position", String(ticketId))) q.store.schedule("queue_position", String(ticketId), now + settings.queuePositionEveryS * 1000);
}

export async function tellPosition(q: QueueHost, ticketId: number, now: number) {
  const row = q.store.ticket(ticketId);
  if (!row || row.state === "assigned") return; // taken meanwhile: the updates stop
  const settings = settingsOf(row);
  if (!settings.messages.queuePosition || settings.queuePositionEveryS <= 0) return;
  const n = q.store.nextPositionUpdate(ticketId);
  q.store.schedule("queue_position", String(ticketId), now + settings.queuePositionEveryS * 1000);
  await tell(q, ticketId, { key: `position:${ticketId}:${row.enqueued_at}-${n}`, text: renderTemplate(settings.messages.queuePosition, customerVars(q, row)) });
}

/** What an agent's client shows for a new interaction: the account's notification template, rendered, with its sound and shake. */
export function notificationFor(q: QueueHost, row: TicketRow): OfferNotification {
  const { notification } = settingsOf(row);
  const view = row.view;
  return { text: renderTemplate(notification.template, ticketVars(view, { "queue.name": q.queueName?.name ?? "" })), sound: notification.sound, shake: notification.shake };
}

export async function ensureQueueName(q: QueueHost, force = false) {
  const now = Date.now();
  if (!force && q.queueName && now - q.queueName.at < QUEUE_NAME_TTL_MS) return;
  try {
    q.queueName = { name: (await queueName(q.env.DB, q.queueId)) ?? q.queueName?.name ?? "", at: now };
  } catch (err) {
    console.error("could not read the queue's name", err);
  }
}
