import { firstName, type TemplateVars } from "../domain/templates";
import { adapterFor } from "../providers/registry";
import type { ProviderKind } from "../providers/types";
import type { TicketView } from "../kinds/views";

/** How the ticket's channel is named to people ({{source}}): the app the customer wrote in. */
export function sourceName(provider: string): string {
  return adapterFor(provider as ProviderKind)?.sourceName ?? provider;
}

/** The template variables a ticket gives, plus whatever the moment adds (queue, agent, position…). */
export function ticketVars(ticket: TicketView, extra: Partial<TemplateVars> = {}): Partial<TemplateVars> {
  return {
    "contact.name": ticket.contact.name,
    "contact.firstName": firstName(ticket.contact.name),
    "ticket.id": ticket.id,
    "account.name": ticket.accountName,
    source: sourceName(ticket.provider),
    ...extra,
  };
}
