import { firstName, type TemplateVars } from "../domain/templates";
import type { TicketView } from "./protocol";

/** How each provider's channel is named to people ({{source}}): the app the customer wrote in. */
const SOURCE_NAMES: Record<string, string> = {
  telegram: "Telegram",
  meta: "Instagram",
  connexease: "Instagram",
  twilio: "WhatsApp",
  sinch: "WhatsApp",
  custom: "Web",
};

export function sourceName(provider: string): string {
  return SOURCE_NAMES[provider] ?? provider;
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
