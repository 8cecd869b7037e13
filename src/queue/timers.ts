// The queue's timers: firing the due ones and keeping the alarm on the next.
import { markEscalated } from "../db/replies";
import { renderTemplate } from "../domain/templates";
import { planStepsAt, type PlanStep } from "../domain/routing-config";
import type { Timer } from "./store";
import { socketsOf, type QueueHost } from "./host";
import { customerVars, tellPosition } from "./customer-notices";
import { endConversation } from "./conversation-timers";
import { announceDemand, followPlan, leaveIfEmpty } from "./between-queues";
import { isAvailable } from "./dispatch";
import { goOffline, revoke, sweepSockets } from "./presence";
import { handOver, handOverDue } from "./hand-over";

export async function fire(q: QueueHost, timer: Timer, now: number) {
  switch (timer.kind) {
    case "idle_session":
      return endConversation(q, Number(timer.ref), "idle_session_timeout", true, now);
    case "session_limit": {
      // The Session Timeout Message is a template: filled in for this ticket.
      const row = q.store.ticket(Number(timer.ref));
      const template = q.store.config().sessionTimeoutMessage;
      const notice = row && template ? renderTemplate(template, customerVars(q, row)) : undefined;
      return endConversation(q, Number(timer.ref), "session_timeout", false, now, notice || undefined);
    }
    case "queue_position":
      return tellPosition(q, Number(timer.ref), now);
    case "message_timeout":
      return endConversation(q, Number(timer.ref), "message_timeout", false, now);
    case "agent_message":
      return endConversation(q, Number(timer.ref), "customer_silent", false, now);
    case "contact_message": {
      const row = q.store.ticket(Number(timer.ref));
      if (!row) return;
      q.store.escalate(row.id);
      if (row.state === "assigned" && row.agent_id) q.send(row.agent_id, { type: "ticket.escalated", ticketId: row.id }, now);
      await markEscalated(q.env.DB, row.id, now);
      return;
    }
    case "offer_expiry": {
      const row = q.store.ticket(Number(timer.ref));
      // The row is rewritten with every new ring, so a due row is the live ring's; a second firing finds none.
      if (row?.state === "offered") {
        const offerees = q.store.offerees(row.id);
        q.store.requeue(row.id);
        for (const agentId of offerees) q.send(agentId, { type: "offer.withdrawn", ticketId: row.id, reason: "timeout" }, now);
      }
      return;
    }
    case "ring_retry":
      q.store.clearAttempts(Number(timer.ref)); // a new round: the dispatch after every alarm offers it again
      return;
    case "agent_timeout": {
      const row = q.store.ticket(Number(timer.ref));
      if (row?.state === "assigned" && row.agent_id) revoke(q, [row], row.agent_id, "agent_timeout", now);
      return;
    }
    case "transfer_expiry": {
      const row = q.store.ticket(Number(timer.ref));
      if (row?.state !== "assigned" || !row.transfer_to || !row.agent_id) return;
      const target = row.transfer_to;
      q.store.endTransfer(row.id);
      q.send(target, { type: "offer.withdrawn", ticketId: row.id, reason: "timeout" }, now);
      q.send(row.agent_id, { type: "transfer.failed", ticketId: row.id, reason: "timeout" }, now);
      return;
    }
    case "transfer_return": {
      const row = q.store.ticket(Number(timer.ref));
      if (!row || row.state === "assigned" || !row.return_queue || !row.return_agent) return;
      const offerees = q.store.offerees(row.id);
      const timers = q.store.conversationTimers(row.id);
      q.store.removeTicket(row.id);
      for (const agentId of offerees) q.send(agentId, { type: "offer.withdrawn", ticketId: row.id, reason: "closed" }, now);
      const back = { moveId: crypto.randomUUID(), ticket: row.view, preview: row.preview, agentId: row.return_agent, settings: row.settings, timers };
      await handOver(q, row.return_queue, { kind: "returned", input: back }, row.enqueued_at);
      return;
    }
    case "handover":
      return handOverDue(q, Number(timer.ref));
    case "sticky_expiry":
      q.store.unstick(Number(timer.ref)); // the preferred agent did not come: anyone may take it
      return;
    case "queue_wait": {
      // Wait For The Assigned Queue is over: nobody here took it, the action plan applies.
      const row = q.store.ticket(Number(timer.ref));
      if (row && row.state !== "assigned" && row.plan === null) await followPlan(q, row, planStepsAt(q.store.config().actionPlan, now), now);
      return;
    }
    case "plan_step": {
      const row = q.store.ticket(Number(timer.ref));
      if (!row || row.state === "assigned" || row.plan === null) return;
      q.store.unstick(row.id); // an agent step's reservation ends with its timeout
      await followPlan(q, row, JSON.parse(row.plan) as PlanStep[], now);
      return;
    }
    case "assigned_wait": {
      const row = q.store.ticket(Number(timer.ref));
      if (row?.state === "assigned" && row.agent_id && !isAvailable(q, row.agent_id)) revoke(q, [row], row.agent_id, "agent_unavailable", now);
      return;
    }
    case "presence_grace": {
      const agent = q.store.agent(timer.ref);
      if (agent?.connected && socketsOf(q, agent.id).length === 0) goOffline(q, agent, now, { abandoned: true });
      await leaveIfEmpty(q, now);
      return;
    }
    case "sweep":
      sweepSockets(q, now);
      q.store.prune(now);
      announceDemand(q, now, { refresh: true });
      await leaveIfEmpty(q, now);
      if (q.ctx.getWebSockets().length > 0) q.store.schedule("sweep", "sockets", now + q.store.config().periodToCheckS * 1000);
      return;
  }
}

/** Sets the object's alarm to `at`, or clears it (null). The timers table calls it whenever its earliest due time changes. */
export function setAlarm(ctx: DurableObjectState, at: number | null) {
  if (at === null) void ctx.storage.deleteAlarm();
  else void ctx.storage.setAlarm(at);
}
