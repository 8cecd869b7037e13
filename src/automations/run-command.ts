import type { ReceivingAccount } from "../db/account-lookup";
import type { TicketState } from "../db/ingest";
import { openNewTicket, openTicketsOf, switchTicket } from "../db/ticket-commands";
import type { Env } from "../env";
import type { MessageView } from "../kinds/views";
import { greetings } from "./automatic-messages";
import { firstName, renderTemplate, type TemplateVars } from "../domain/templates";
import { ticketLines, type CustomerCommand } from "./commands";
import { announceArrival, routeToQueue } from "./queue-arrival";
import { enqueueDelivery } from "../outbox/enqueue";
import { sendSystemMessage, tellCustomer } from "../outbox/tell-customer";

/**
 * Carries out a customer command stored as `message` in `ticket` (the contact's current ticket).
 * The answer is a system message keyed `command:<messageId>`, in the ticket current afterwards.
 */
export async function runCommand(env: Env, account: ReceivingAccount, ticket: TicketState, message: MessageView, command: CustomerCommand, at: number) {
  const s = account.conversation;
  const answers = s.commandAnswers;
  const say = (template: string, vars: Partial<TemplateVars> = {}) =>
    renderTemplate(template, {
      "contact.name": ticket.contact.name,
      "contact.firstName": firstName(ticket.contact.name),
      "account.name": account.name,
      command: s.commands.switchTicket,
      ...vars,
    });
  const base = { contactId: ticket.contact.id, ticketId: ticket.id, commandMessageId: message.id };
  const key = `command:${message.id}`;
  switch (command.kind) {
    case "listTickets": {
      const tickets = await openTicketsOf(env.DB, ticket.contact.id);
      const current = tickets.find((t) => t.current) ?? { id: ticket.id, queueId: ticket.queueId };
      const text =
        tickets.length === 0 ? say(answers.noOpenTickets) : say(answers.ticketList, { tickets: ticketLines(tickets, s.listShowsSubject), "ticket.id": current.id });
      await tellCustomer(env, { ticketId: current.id, queueId: current.queueId }, { key, text });
      return;
    }
    case "switchTicket": {
      if (command.ticketId === null) {
        await tellCustomer(env, { ticketId: ticket.id, queueId: ticket.queueId }, { key, text: say(answers.switchUsage) });
        return;
      }
      const done = await switchTicket(env.DB, {
        ...base,
        targetId: command.ticketId,
        switched: say(answers.ticketSwitched, { "ticket.id": command.ticketId }),
        notFound: say(answers.ticketNotFound, { "ticket.id": command.given }),
      });
      if (done?.created) await sendSystemMessage(env, done.ticket.queueId, done.answer);
      return;
    }
    case "newTicket": {
      const done = await openNewTicket(env.DB, { ...base, accountId: account.id, queueId: account.queueId, text: (id) => say(answers.newTicket, { "ticket.id": id }) });
      // A retry finds the answer stored: the ticket was opened and routed then.
      if (!done?.created || done.ticket.status === "closed") return;
      await enqueueDelivery(env, done.answer);
      const fresh = { ...ticket, ...done.ticket, assigneeId: null };
      const { state, away } = await routeToQueue(env, account, fresh, done.answer);
      const pending = greetings(s, { contactCreated: false, conversationCreated: done.conversationCreated, conversationId: done.conversationId });
      await announceArrival(env, account, fresh, { conversationId: done.conversationId, state, pending, at, away });
      return;
    }
  }
}
