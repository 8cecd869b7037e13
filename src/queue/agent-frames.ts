// What agents' clients send: accept, pick, decline, reply, edit, note, read, ticket.update, close, transfer, presence.
import { assignTicket, closeTicket, storeAgentEdit, storeNote, storeReply } from "../db/replies";
import { findCannedFor } from "../db/canned";
import { markRead, withExtras } from "../db/agent-views";
import { renderTemplate } from "../domain/templates";
import { dispositionRefusal, updateTicketFields } from "../db/tickets";
import { normalizeTicketUpdate, type ClientFrame } from "./protocol";
import type { MessageView } from "../kinds/views";
import type { TicketRow } from "./store";
import { sourceName, ticketVars } from "./ticket-vars";
import { saveReplyOriginal, translateReply } from "./translation";
import { holds, type QueueHost } from "./host";
import { agentWrote, startAgentTimeout } from "./conversation-timers";
import { setState } from "./presence";
import { settingsFor } from "./ticket-settings";
import { ticketChanged } from "./ticket-views";
import { transferToAgent, transferToQueue } from "./transfers";
import { ticketGone } from "./spying";
import { claimExtra } from "./capacity";
import { adapterFor } from "../providers/registry";
import type { ProviderKind } from "../providers/types";
import { textTooLong } from "../domain/text-limit";
import { deliverClaimed, type TellAuthor } from "../outbox/deliver";
import { enqueueDelivery } from "../outbox/enqueue";
import { takeTurn } from "../outbox/ticket-order";
import { clearFirstAttempt, firstAttemptOf, markFirstAttempt } from "../outbox/first-attempts";
import { replyLap } from "../db/meter";

export async function handleFrame(q: QueueHost, ws: WebSocket, agentId: string, frame: ClientFrame) {
  const now = Date.now();
  switch (frame.type) {
    case "presence":
      if (!q.store.config().agentManagementAccess) return q.reject(ws, agentId, "not_allowed", "In this queue agents do not change their own state");
      setState(q, agentId, frame.status, now);
      return;
    case "accept":
      return accept(q, ws, agentId, frame.ticketId);
    case "pick":
      return pick(q, ws, agentId, frame.ticketId);
    case "transfer":
      return "agentId" in frame.to ? transferToAgent(q, ws, agentId, frame.ticketId, frame.to.agentId) : transferToQueue(q, ws, agentId, frame.ticketId, frame.to.queueId);
    case "decline": {
      const row = q.store.ticket(frame.ticketId);
      if (row?.state === "assigned" && row.transfer_to === agentId && row.agent_id) {
        q.store.endTransfer(row.id);
        q.send(agentId, { type: "offer.withdrawn", ticketId: row.id, reason: "declined" }, now);
        q.send(row.agent_id, { type: "transfer.failed", ticketId: row.id, reason: "declined" }, now);
        return;
      }
      if (row?.state !== "offered" || !q.store.hasOffer(row.id, agentId)) return q.reject(ws, agentId, "no_such_offer", "No open offer for this ticket", { ticketId: frame.ticketId });
      // Under ring-all the others' offers stay open; the ticket waits again only when none is left.
      if (!q.store.dropOffer(row.id, agentId)) {
        q.store.requeue(row.id);
        q.store.cancelTimer("offer_expiry", String(row.id));
      }
      q.send(agentId, { type: "offer.withdrawn", ticketId: row.id, reason: "declined" }, now);
      q.dispatch(now);
      return;
    }
    case "reply":
      return reply(q, ws, agentId, frame);
    case "edit":
      return edit(q, ws, agentId, frame);
    case "note":
      return note(q, ws, agentId, frame);
    case "read":
      return read(q, ws, agentId, frame);
    case "ticket.update":
      return updateTicket(q, ws, agentId, frame);
    case "close":
      return close(q, ws, agentId, frame);
  }
}

/** The first accept wins: the same instant's second accept finds no open offer. */
async function accept(q: QueueHost, ws: WebSocket, agentId: string, ticketId: number) {
  const row = q.store.ticket(ticketId);
  if (row?.state === "assigned" && row.transfer_to === agentId && row.agent_id && !q.store.pendingOffer(ticketId, agentId)) {
    const from = row.agent_id;
    q.store.markFreed(from, Date.now());
    q.send(from, { type: "ticket.transferred", ticketId, to: { agentId } }, Date.now());
    return take(q, agentId, row);
  }
  // An offer the agent's ledger has not granted yet was never sent: it cannot be accepted.
  if (row?.state !== "offered" || !q.store.hasOffer(ticketId, agentId) || q.store.pendingOffer(ticketId, agentId)) {
    return q.reject(ws, agentId, "no_such_offer", "This offer is no longer open", { ticketId });
  }
  await take(q, agentId, row);
}

/** An agent takes a waiting ticket without an offer, up to capacity plus the queue's extra chats. */
async function pick(q: QueueHost, ws: WebSocket, agentId: string, ticketId: number) {
  const row = q.store.ticket(ticketId);
  const agent = q.store.agent(agentId)!;
  if (!row || row.state === "assigned") return q.reject(ws, agentId, "not_waiting", "This ticket is not waiting", { ticketId });
  const atCapacity = () => q.reject(ws, agentId, "at_capacity", "You hold as many tickets as this queue allows, counting every queue", { ticketId });
  const offered = q.store.hasOffer(ticketId, agentId) && !q.store.pendingOffer(ticketId, agentId);
  if (q.store.load(agentId) - (offered ? 1 : 0) >= agent.capacity + q.store.config().maxExtraChats) return atCapacity();
  if (offered) return take(q, agentId, row); // the offer's slot is theirs already
  if (q.store.claim(ticketId, agentId)?.kind === "pick") return q.reject(ws, agentId, "not_waiting", "You are taking this ticket already", { ticketId });
  // Capacity + Maximum Extra Webchat Count counts the tickets the agent has in every queue: their ledger decides.
  const granted = await claimExtra(q, agent, ticketId, "pick");
  const current = q.store.ticket(ticketId); // the ledger was awaited: someone may have taken it meanwhile
  if (!granted || !current || current.state === "assigned") {
    q.store.dropClaim(ticketId, agentId);
    q.dispatch(Date.now());
    return granted ? q.reject(ws, agentId, "not_waiting", "This ticket is not waiting", { ticketId }) : atCapacity();
  }
  const taking = take(q, agentId, current); // assigned before its first await: the held ticket now counts instead of the claim
  q.store.dropClaim(ticketId, agentId);
  await taking;
}

async function take(q: QueueHost, agentId: string, row: TicketRow) {
  const now = Date.now();
  const ticketId = row.id;
  const outrun = q.store.assign(ticketId, agentId, now);
  q.store.cancelTimer("offer_expiry", String(ticketId));
  q.store.cancelTimer("sticky_expiry", String(ticketId));
  for (const other of outrun) q.send(other, { type: "offer.withdrawn", ticketId, reason: "taken" }, now);
  if (outrun.length > 0) q.dispatch(now); // the others' freed room goes to the next waiting ticket
  if (q.store.config().closeAutoAssign) {
    q.sendToAll(q.store.agents().filter((a) => a.id !== agentId && a.connected).map((a) => a.id), { type: "ticket.taken", ticketId }, now);
  }
  startAgentTimeout(q, ticketId, now);
  // The ticket is this agent's from here on; its history comes from D1 (a reassigned ticket has one), in the round trip that assigns it.
  const { messages, extras } = await assignTicket(q.env.DB, ticketId, agentId, now);
  if (!holds(q, agentId, ticketId)) return; // closed or revoked while D1 answered
  q.send(agentId, { type: "ticket.assigned", ticket: withExtras(row.view, extras), messages }, Date.now());
}

async function reply(q: QueueHost, ws: WebSocket, agentId: string, frame: Extract<ClientFrame, { type: "reply" }>) {
  if (!holds(q, agentId, frame.ticketId)) {
    return q.reject(ws, agentId, "not_your_ticket", "You do not hold this ticket", { ticketId: frame.ticketId, clientMsgId: frame.clientMsgId });
  }
  let text = frame.text;
  if (frame.canned !== undefined) {
    const view = q.store.ticket(frame.ticketId)!.view;
    const found = await findCannedFor(q.env.DB, { accountId: view.accountId, shortcut: frame.canned, queueId: q.queueId });
    if (!found) {
      return q.reject(ws, agentId, "no_such_canned_answer", `No canned answer "${frame.canned}" for this ticket's account`, { ticketId: frame.ticketId, clientMsgId: frame.clientMsgId, canned: frame.canned });
    }
    text = renderTemplate(found.body, ticketVars(view, { "queue.name": found.queueName, "agent.name": q.store.agent(agentId)?.name ?? "" }));
  }
  if (!text) return q.reject(ws, agentId, "invalid_frame", "The reply has no text", { ticketId: frame.ticketId, clientMsgId: frame.clientMsgId });
  // Translation Provider: the customer gets the reply in their language; the agent's words are kept with it.
  const outgoing = await translateReply(q.env, q.store.config().translation, frame.ticketId, text);
  const tooLong = textLimitRefusal(q, frame.ticketId, outgoing.text);
  if (tooLong) return q.reject(ws, agentId, "text_too_long", tooLong.message, { ticketId: frame.ticketId, clientMsgId: frame.clientMsgId, ...tooLong.ref });
  // The lookups above awaited: the ticket may have been taken back or transferred meanwhile.
  if (!holds(q, agentId, frame.ticketId)) {
    return q.reject(ws, agentId, "not_your_ticket", "You do not hold this ticket", { ticketId: frame.ticketId, clientMsgId: frame.clientMsgId });
  }
  // The reply is sent from here once stored (one D1 round trip stores and claims it, one records the
  // outcome); the outbox Queue takes what must be tried again. One ticket's replies go out in order.
  const key = `${frame.ticketId}:${frame.clientMsgId}`;
  replyLap(frame.ticketId, frame.clientMsgId, "2_checks");
  const earlier = repliesUnderWay.get(key);
  const turn = earlier ? null : takeTurn(frame.ticketId);
  const kv = q.ctx.storage.kv;
  // A mark left by an attempt that died here (the object restarted) stays as it is for the sweep.
  const marked = !earlier && !firstAttemptOf(kv, frame.ticketId, frame.clientMsgId);
  if (marked) markFirstAttempt(kv, frame.ticketId, frame.clientMsgId, "storing");
  const storing = earlier ?? storeReply(q.env.DB, { ticketId: frame.ticketId, authorId: agentId, text: outgoing.text, clientMsgId: frame.clientMsgId, resend: frame.resend });
  if (!earlier) repliesUnderWay.set(key, storing);
  let answered = false;
  let claimed = false;
  try {
    const outcome = await storing;
    replyLap(frame.ticketId, frame.clientMsgId, "3_store");
    answered = true;
    claimed = !earlier && outcome !== null && "delivery" in outcome;
    // A frame re-sent while the first is under way here is answered with its message; the first one sends it.
    const stored = earlier && outcome && "message" in outcome ? { message: outcome.message, created: false } : outcome;
    if (!stored) return q.reject(ws, agentId, "ticket_closed", "The ticket is closed", { ticketId: frame.ticketId, clientMsgId: frame.clientMsgId });
    if ("refused" in stored) return q.reject(ws, agentId, "client_msg_id_taken", "This clientMsgId names another message of the ticket (a note)", { ticketId: frame.ticketId, clientMsgId: frame.clientMsgId });
    if (stored.created && outgoing.original) {
      await saveReplyOriginal(q.env, stored.message.id, outgoing.original);
      stored.message.translation = { language: outgoing.original.language, text: outgoing.original.text, sourceLanguage: outgoing.original.contactLanguage };
    }
    agentWrote(q, frame.ticketId, Date.now());
    q.send(agentId, { type: "reply.queued", clientMsgId: frame.clientMsgId, message: stored.message }, Date.now());
    if ("delivery" in stored) {
      await turn?.ready;
      markFirstAttempt(kv, frame.ticketId, frame.clientMsgId, "sending");
      replyLap(frame.ticketId, frame.clientMsgId, "4_queued_turn");
      await deliverClaimed(q.env, stored.delivery, tellAuthor(q, agentId, stored.message));
    } else if (stored.created || stored.enqueue) await queueDelivery(q, agentId, stored.message, "send");
  } finally {
    if (!earlier) repliesUnderWay.delete(key);
    // A store whose answer was lost may have stored the reply claimed: its "storing" mark stays for the sweep.
    if ((marked && answered) || claimed) clearFirstAttempt(kv, frame.ticketId, frame.clientMsgId);
    turn?.done();
  }
}

/** Replies being stored or sent from this isolate, by `ticketId:clientMsgId`. */
const repliesUnderWay = new Map<string, ReturnType<typeof storeReply>>();

/** The reply's author hears of its delivery on their sockets (as the outbox's `deliveryStatus` report does). */
function tellAuthor(q: QueueHost, agentId: string, message: MessageView): TellAuthor {
  return (status, reason) => {
    if (q.store.agent(agentId)) q.send(agentId, { type: "delivery", ticketId: message.ticketId, messageId: message.id, status, reason }, Date.now());
  };
}

/** The agent has read the ticket up to a message: customer messages after it are unread. */
async function read(q: QueueHost, ws: WebSocket, agentId: string, frame: Extract<ClientFrame, { type: "read" }>) {
  if (!holds(q, agentId, frame.ticketId)) return q.reject(ws, agentId, "not_your_ticket", "You do not hold this ticket", { ticketId: frame.ticketId });
  const mark = await markRead(q.env.DB, { ticketId: frame.ticketId, userId: agentId, messageId: frame.messageId });
  if (!mark) return q.reject(ws, agentId, "no_such_message", "No message with this id on this ticket", { ticketId: frame.ticketId, messageId: frame.messageId });
  q.send(agentId, { type: "ticket.read", ticketId: frame.ticketId, ...mark }, Date.now());
}

/** The holder changes the ticket's subject or tags. */
async function updateTicket(q: QueueHost, ws: WebSocket, agentId: string, frame: Extract<ClientFrame, { type: "ticket.update" }>) {
  if (!holds(q, agentId, frame.ticketId)) return q.reject(ws, agentId, "not_your_ticket", "You do not hold this ticket", { ticketId: frame.ticketId });
  const updated = await updateTicketFields(q.env.DB, frame.ticketId, normalizeTicketUpdate(frame));
  if (!updated) return q.reject(ws, agentId, "ticket_closed", "The ticket is closed", { ticketId: frame.ticketId });
  await ticketChanged(q, frame.ticketId, updated);
}

/** An internal note: stored with the ticket's history for agents, never queued for the customer. */
async function note(q: QueueHost, ws: WebSocket, agentId: string, frame: Extract<ClientFrame, { type: "note" }>) {
  const ref = { ticketId: frame.ticketId, clientMsgId: frame.clientMsgId };
  if (!holds(q, agentId, frame.ticketId)) return q.reject(ws, agentId, "not_your_ticket", "You do not hold this ticket", ref);
  const stored = await storeNote(q.env.DB, { ticketId: frame.ticketId, authorId: agentId, text: frame.text, clientMsgId: frame.clientMsgId });
  if (!stored) return q.reject(ws, agentId, "ticket_closed", "The ticket is closed", ref);
  if ("refused" in stored) return q.reject(ws, agentId, "client_msg_id_taken", "This clientMsgId names another message of the ticket (a reply)", ref);
  q.send(agentId, { type: "note.added", clientMsgId: frame.clientMsgId, message: stored.message }, Date.now());
}

/** Closes a held ticket, with a disposition from the account's list (required where the account says so). */
async function close(q: QueueHost, ws: WebSocket, agentId: string, frame: Extract<ClientFrame, { type: "close" }>) {
  const row = q.store.ticket(frame.ticketId);
  if (!row || !holds(q, agentId, frame.ticketId)) return q.reject(ws, agentId, "not_your_ticket", "You do not hold this ticket", { ticketId: frame.ticketId });
  const settings = await settingsFor(q, row);
  const refused = dispositionRefusal(settings, frame.disposition);
  if (refused) return q.reject(ws, agentId, refused.code, refused.message, { ticketId: frame.ticketId, dispositions: settings.dispositions });
  const disposition = frame.disposition ?? null;
  await closeTicket(q.env.DB, frame.ticketId, { closedBy: agentId, disposition });
  forgetTicket(q, frame.ticketId, agentId, Date.now(), disposition);
  q.dispatch(Date.now());
}

async function edit(q: QueueHost, ws: WebSocket, agentId: string, frame: Extract<ClientFrame, { type: "edit" }>) {
  if (!holds(q, agentId, frame.ticketId)) return q.reject(ws, agentId, "not_your_ticket", "You do not hold this ticket", { ticketId: frame.ticketId });
  const { provider } = q.store.ticket(frame.ticketId)!.view;
  if (!adapterFor(provider as ProviderKind)?.canEdit) {
    return q.reject(ws, agentId, "edit_not_supported", `${sourceName(provider)} (${provider}) does not let a sent message be edited; send a new reply instead`, {
      ticketId: frame.ticketId,
      messageId: frame.messageId,
    });
  }
  const tooLong = textLimitRefusal(q, frame.ticketId, frame.text);
  if (tooLong) return q.reject(ws, agentId, "text_too_long", tooLong.message, { ticketId: frame.ticketId, messageId: frame.messageId, ...tooLong.ref });
  const result = await storeAgentEdit(q.env.DB, frame);
  if ("refused" in result) {
    const text = result.refused === "not_found" ? "No reply of yours with this id on this ticket" : "The reply has not been sent yet; edit it once it is sent";
    return q.reject(ws, agentId, result.refused === "not_found" ? "no_such_message" : "not_sent_yet", text, { messageId: frame.messageId });
  }
  q.send(agentId, { type: "message.updated", message: result.message }, Date.now());
  await queueDelivery(q, agentId, result.message, "edit");
}

/** Why the ticket's provider would refuse this text as too long (what the customer would get, before any name prefix); null when it fits. */
function textLimitRefusal(q: QueueHost, ticketId: number, text: string) {
  const row = q.store.ticket(ticketId);
  if (!row) return null;
  const { provider } = row.view;
  const over = textTooLong(text, adapterFor(provider as ProviderKind)?.textLimit);
  if (!over) return null;
  return {
    message: `The text is ${over.length} ${over.unit}; ${sourceName(provider)} (${provider}) accepts at most ${over.limit}`,
    ref: { length: over.length, limit: over.limit, unit: over.unit },
  };
}

async function queueDelivery(q: QueueHost, agentId: string, message: MessageView, op: "send" | "edit") {
  try {
    await enqueueDelivery(q.env, message, { op });
  } catch (err) {
    console.error("could not enqueue delivery", message.id, err);
    // A reply stays queued in D1 and the outbox sweep sends it; an edit must be made again.
    const reason = op === "send" ? "delayed: the outbox could not be reached; the hub sends it within a few minutes" : "could not be queued for delivery; send it again";
    q.send(agentId, { type: "delivery", ticketId: message.ticketId, messageId: message.id, status: op === "send" ? "queued" : "failed", reason }, Date.now());
  }
}

export function forgetTicket(q: QueueHost, ticketId: number, by: string | null, now: number, disposition: string | null = null) {
  const row = q.store.ticket(ticketId);
  if (!row) return;
  const offerees = q.store.offerees(ticketId);
  q.store.removeTicket(ticketId);
  if (row.agent_id && row.state === "assigned") {
    q.store.markFreed(row.agent_id, now);
    q.send(row.agent_id, { type: "ticket.closed", ticketId, by, disposition }, now);
  }
  for (const agentId of offerees) q.send(agentId, { type: "offer.withdrawn", ticketId, reason: "closed" }, now);
  ticketGone(q, ticketId, "closed");
}
