// The account's conversation settings, as kept with each ticket.
import { defaultConversationSettings, type ConversationSettings } from "../domain/conversation-settings";
import { loadConversationSettings } from "../db/tickets";
import type { TicketRow } from "./store";
import type { QueueHost } from "./host";

/** The ticket's account's conversation settings: kept with the ticket, else read from D1 (and kept). */
export async function settingsFor(q: QueueHost, row: TicketRow): Promise<ConversationSettings> {
  if (row.settings !== null) return settingsOf(row);
  const settings = await loadConversationSettings(q.env.DB, row.view.accountId);
  q.store.setSettings(row.id, JSON.stringify(settings));
  return settings;
}

/** The last settings parsed: most tickets of a queue carry their account's same settings, parsed once. */
let lastParsed: { json: string; settings: ConversationSettings } | undefined;

/** The settings kept with the ticket, or the defaults while none are (synchronous paths). */
export function settingsOf(row: Pick<TicketRow, "settings">): ConversationSettings {
  if (row.settings === null) return defaultConversationSettings;
  if (lastParsed?.json !== row.settings) {
    lastParsed = { json: row.settings, settings: { ...defaultConversationSettings, ...(JSON.parse(row.settings) as Partial<ConversationSettings>) } };
  }
  return lastParsed.settings;
}
