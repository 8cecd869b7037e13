// An offer as the agent's client gets it: the ticket, its preview, when it lapses, the notification to show.
import type { OfferView } from "./protocol";
import type { TicketRow } from "./store";
import type { QueueHost } from "./host";
import { notificationFor } from "./customer-notices";

export function offerView(q: QueueHost, row: TicketRow): OfferView {
  const view: OfferView = { ticket: row.view, preview: row.preview, expiresAt: row.offer_expires_at ?? 0, notification: notificationFor(q, row) };
  if (row.transfer_to && row.agent_id) view.transferFrom = { agentId: row.agent_id, queueId: q.queueId };
  return view;
}
