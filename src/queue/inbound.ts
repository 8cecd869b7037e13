// Customer messages arriving: a new ticket waits for an agent, a held ticket's message goes to its agent.
import { adapterFor } from "../providers/registry";
import type { ProviderKind } from "../providers/types";
import { previewOf } from "../domain/ring";
import { routingVersion } from "../domain/routing-version";
import type { MessageView } from "../kinds/views";
import type { InboundMessage } from "./arrivals";
import type { TicketRow } from "./store";
import { translateInbound } from "./translation";
import { hasTimer, socketsOf, type QueueHost } from "./host";
import { awayNotice, ensureQueueName, notificationFor, startPositionUpdates, type CustomerNotice } from "./customer-notices";
import { customerWrote, startAgentTimeout } from "./conversation-timers";
import { leaveIfEmpty, startQueueWait } from "./between-queues";
import { isAvailable, stickyFor } from "./dispatch";
import { settingsOf } from "./ticket-settings";
import { sendTicketUpdated } from "./ticket-views";
import { forwardInbound } from "./hand-over";
import { reloadConfig } from "./queue-config";

/**
 * What routing did: where the ticket stands, and the away message (messages.away) when a new
 * ticket found nobody able to answer now. The caller stores and sends it after the greetings it
 * owes, so the customer reads "welcome" before "nobody is available".
 */
export type RouteOutcome = { state: TicketRow["state"] | "left"; away?: CustomerNotice };

/**
 * A customer message was stored for `ticket`. A new ticket waits for an agent; a message on a
 * ticket someone holds goes to that agent. Repeated calls for one message deliver it once.
 */
export async function routeInbound(q: QueueHost, input: InboundMessage): Promise<RouteOutcome> {
  await ensureQueueName(q);
  // A ticket handed over to another queue: the message follows it there.
  const forwarded = q.store.ticket(input.ticket.id) ? null : await forwardInbound(q, input);
  if (forwarded) return forwarded;
  if (input.config) q.store.setConfig(input.config);
  else if (input.configVersion !== undefined && input.configVersion !== routingVersion(q.store.config())) await reloadConfig(q);
  const now = Date.now();
  const { ticket, message } = input;
  const preview = previewOf(message.body, message.attachments.map((a) => a.kind));
  const settings = input.settingsJson ?? (input.settings ? JSON.stringify(input.settings) : undefined);
  let row = q.store.ticket(ticket.id);
  /** A new ticket nobody can take right now: the customer is told (messages.away). */
  let nobodyThere = false;
  if (!row) {
    // An assigned ticket this object no longer tracks (its agent kept it across a reset) stays with that agent.
    if (input.assigneeId && q.store.agent(input.assigneeId)) q.store.adoptAssigned(ticket, input.assigneeId, now);
    else {
      const sticky = stickyFor(q, input.lastAgentId ?? null, now);
      q.store.enqueue(ticket, preview, now, sticky, settings);
      nobodyThere = !q.store.agents().some((a) => isAvailable(q, a.id, a));
      startPositionUpdates(q, ticket.id, now);
      const { sessionTimeoutS } = q.store.config();
      if (sessionTimeoutS > 0) q.store.schedule("session_limit", String(ticket.id), now + sessionTimeoutS * 1000);
      if (sticky) q.store.schedule("sticky_expiry", String(ticket.id), sticky.until);
      startQueueWait(q, ticket.id, now);
      if (q.store.config().closeAutoAssign) {
        const notification = notificationFor(q, q.store.ticket(ticket.id)!);
        q.sendToAll(q.store.agents().filter((a) => a.connected).map((a) => a.id), { type: "ticket.waiting", ticket, preview, notification }, now);
      }
    }
    row = q.store.ticket(ticket.id)!;
  }
  if (settings) q.store.setSettings(ticket.id, settings);
  if (!q.store.firstSighting(message.id, now)) {
    // A retry: an away message its first delivery owed may have been lost with the caller (its key dedupes).
    const owed = row.state !== "assigned" && !q.store.agents().some((a) => isAvailable(q, a.id, a));
    return { state: row.state, ...(owed ? withAway(q, ticket.id) : {}) };
  }
  customerWrote(q, ticket.id, now);
  if (row.state === "assigned" && row.agent_id) {
    q.send(row.agent_id, { type: "message", message }, now, input.ephemeral ? { ephemeral: input.ephemeral } : undefined);
    // The provider's reply window moves with each customer message: the agent's view follows.
    if (adapterFor(ticket.provider as ProviderKind)?.replyWindow) q.ctx.waitUntil(sendTicketUpdated(q, row.agent_id, ticket.id));
    startAgentTimeout(q, ticket.id, now);
    // Wait For The Assigned Agent: an agent who cannot answer now gets a while to come back —
    // unless they are disconnected and the account keeps abandoned conversations with their agent.
    const kept = socketsOf(q, row.agent_id).length === 0 && !(input.settings ?? settingsOf(settings ? { settings } : row)).reassignAbandoned;
    if (!kept && !isAvailable(q, row.agent_id) && !hasTimer(q, "assigned_wait", String(ticket.id))) {
      q.store.schedule("assigned_wait", String(ticket.id), now + q.store.config().waitForAssignedAgentS * 1000);
    }
  } else {
    q.store.setPreview(ticket.id, preview);
  }
  translateForAgent(q, message);
  await leaveIfEmpty(q, now);
  q.dispatch(now);
  q.publish(now);
  return { state: q.store.ticket(ticket.id)?.state ?? "left", ...(nobodyThere ? withAway(q, ticket.id) : {}) };
}

function withAway(q: QueueHost, ticketId: number): { away?: CustomerNotice } {
  const away = awayNotice(q, ticketId);
  return away ? { away } : {};
}

/** A stored message changed (the customer edited it): the agent holding the ticket sees the new text. */
export async function messageUpdated(q: QueueHost, message: MessageView): Promise<void> {
  const row = q.store.ticket(message.ticketId);
  if (row?.state === "assigned" && row.agent_id) q.send(row.agent_id, { type: "message.updated", message }, Date.now());
  if (message.direction === "in" && message.deletedAt === null) translateForAgent(q, message);
}

/**
 * Translation Provider: the customer's message in the agents' language, after the message itself
 * (never holding it up). The agent holding the ticket gets it live; a later holder in the history.
 */
function translateForAgent(q: QueueHost, message: MessageView) {
  const { translation } = q.store.config();
  if (translation.provider === "none") return;
  q.ctx.waitUntil(
    translateInbound(q.env, translation, message).then((t) => {
      if (!t) return;
      const row = q.store.ticket(message.ticketId);
      if (row?.state !== "assigned" || !row.agent_id) return;
      const frame = { type: "message.translated", ticketId: message.ticketId, messageId: t.messageId, translation: { language: t.language, text: t.text, sourceLanguage: t.sourceLanguage } } as const;
      q.send(row.agent_id, frame, Date.now());
    }),
  );
}

/** A message joined a ticket without routing (sent from the provider's own app): the agent holding it sees it. */
export async function messageAdded(q: QueueHost, message: MessageView): Promise<void> {
  const row = q.store.ticket(message.ticketId);
  if (row?.state === "assigned" && row.agent_id) q.send(row.agent_id, { type: "message", message }, Date.now());
}
