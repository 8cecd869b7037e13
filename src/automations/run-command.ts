import type { ReceivingAccount } from "../db/account-lookup";
import type { TicketState } from "../db/ingest";
import { openNewTicket, openTicketsOf, switchTicket } from "../db/ticket-commands";
import type { Env } from "../env";
import type { MessageView } from "../queue/protocol";
import { greetings } from "./automatic-messages";
import { commandTexts, formatTicketList, type CustomerCommand } from "./commands";
import { announceArrival, routeToQueue } from "./queue-arrival";
import { deliver, tellCustomer } from "./tell-customer";

/**
 * Carries out a customer command stored as `message` in `ticket` (the contact's current ticket).
 * The answer is a system message keyed `command:<messageId>`, in the ticket current afterwards.
 */
export async function runCommand(env: Env, account: ReceivingAccount, ticket: TicketState, message: MessageView, command: CustomerCommand, at: number) {
  const s = account.conversation;
  const base = { contactId: ticket.contact.id, ticketId: ticket.id, commandMessageId: message.id };
  const key = `command:${message.id}`;
  switch (command.kind) {
    case "listTickets": {
      const tickets = await openTicketsOf(env.DB, ticket.contact.id);
      const current = tickets.find((t) => t.current) ?? { id: ticket.id, queueId: ticket.queueId };
      const text = formatTicketList(tickets, { showSubject: s.listShowsSubject, switchCommand: s.commands.switchTicket });
      await tellCustomer(env, { ticketId: current.id, queueId: current.queueId }, { key, text });
      return;
    }
    case "switchTicket": {
      if (command.ticketId === null) {
        await tellCustomer(env, { ticketId: ticket.id, queueId: ticket.queueId }, { key, text: commandTexts.switchUsage(s.commands.switchTicket) });
        return;
      }
      const done = await switchTicket(env.DB, {
        ...base,
        targetId: command.ticketId,
        switched: commandTexts.switched(command.ticketId),
        notFound: commandTexts.notFound(command.given),
      });
      if (done?.created) await deliver(env, done.ticket.queueId, done.answer);
      return;
    }
    case "newTicket": {
      const done = await openNewTicket(env.DB, { ...base, accountId: account.id, queueId: account.queueId, text: commandTexts.newTicket });
      // A retry finds the answer stored: the ticket was opened and routed then.
      if (!done?.created || done.ticket.status === "closed") return;
      await env.OUTBOX.send({ messageId: done.answer.id, ticketId: done.ticket.id, op: "send" });
      const fresh = { ...ticket, ...done.ticket, assigneeId: null };
      const { state } = await routeToQueue(env, account, fresh, done.answer);
      const pending = greetings(s, { contactCreated: false, conversationCreated: done.conversationCreated, conversationId: done.conversationId });
      await announceArrival(env, account, fresh, { conversationId: done.conversationId, state, pending, at });
      return;
    }
  }
}
