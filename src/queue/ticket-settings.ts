// The account's conversation settings, as kept with each ticket.
import { defaultConversationSettings, type ConversationSettings } from "../domain/conversation-settings";
import { loadConversationSettings } from "../db/tickets";
import type { TicketRow } from "./store";
import type { QueueHost } from "./host";

/** The ticket's account's conversation settings: kept with the ticket, else read from D1 (and kept). */
export async function settingsFor(q: QueueHost, row: TicketRow): Promise<ConversationSettings> {
  if (row.settings !== null) return settingsOf(row);
  const view = row.view;
  const settings = await loadConversationSettings(q.env.DB, view.accountId);
  q.store.setSettings(row.id, JSON.stringify(settings));
  return settings;
}

/** The settings kept with the ticket, or the defaults while none are (synchronous paths). */
export function settingsOf(row: Pick<TicketRow, "settings">): ConversationSettings {
  if (row.settings === null) return defaultConversationSettings;
  return { ...defaultConversationSettings, ...(JSON.parse(row.settings) as Partial<ConversationSettings>) };
}
