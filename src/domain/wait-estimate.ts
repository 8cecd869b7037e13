/**
 * Queue position and wait estimate, as a customer is told them ("you are number 3, about 4 minutes").
 *
 * The queue's pace is a moving average of the time between consecutive assignments; a ticket at
 * position p waits about p of those. Before the queue has a pace, each waiting ticket counts as
 * `fallbackPerTicketS` split over the agents online. The estimate never exceeds the queue's cap.
 */
export type WaitInputs = {
  /** 1 for the next ticket to be offered. */
  position: number;
  /** Moving average of ms between assignments; null until two assignments were seen. */
  paceMs: number | null;
  agentsOnline: number;
  capS: number;
  fallbackPerTicketS?: number;
};

export function estimateWaitS({ position, paceMs, agentsOnline, capS, fallbackPerTicketS = 120 }: WaitInputs): number {
  const perTicketS = paceMs !== null ? paceMs / 1000 : fallbackPerTicketS / Math.max(1, agentsOnline);
  return Math.min(capS, Math.round(position * perTicketS));
}

/** The next moving average after an assignment `intervalMs` after the previous one (weight 0.2 for the newest). */
export function nextPace(paceMs: number | null, intervalMs: number): number {
  return paceMs === null ? intervalMs : Math.round(0.8 * paceMs + 0.2 * intervalMs);
}
