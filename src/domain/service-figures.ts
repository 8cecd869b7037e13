// Service figures over a set of tickets: handled, abandoned, first response, handle time, service level.
import { localClock } from "./weekly-schedule.ts";

/** What the figures read of a ticket (times in epoch ms). */
export type TicketTimes = {
  createdAt: number;
  /** When an agent first took it (null: never). */
  assignedAt: number | null;
  firstReplyAt: number | null;
  closedAt: number | null;
  /** The service level target of the ticket's queue, seconds (else the one `serviceFigures` is given). */
  targetS?: number;
};

export type ServiceFigures = {
  /** Tickets created in the range. */
  created: number;
  /** Closed after an agent had taken them. */
  handled: number;
  /** Closed before any agent took them. */
  abandoned: number;
  /** Seconds from arrival to an agent's first reply, over the tickets that have one. */
  firstResponse: { count: number; avgS: number | null; p90S: number | null };
  /** Seconds from an agent first taking the ticket to its close, over the handled tickets. */
  handleTime: { count: number; avgS: number | null };
  /** Tickets taken within their queue's target, over tickets taken or abandoned; pct null when there are none. targetS null: queues with different targets. */
  serviceLevel: { targetS: number | null; within: number; of: number; pct: number | null };
};

const round = (n: number) => Math.round(n * 10) / 10;

function average(values: number[]): number | null {
  return values.length === 0 ? null : round(values.reduce((a, b) => a + b, 0) / values.length);
}

/** The nearest-rank 90th percentile. */
export function p90(values: number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return round(sorted[Math.ceil(0.9 * sorted.length) - 1]!);
}

export function serviceFigures(tickets: Iterable<TicketTimes>, targetS: number | null): ServiceFigures {
  let created = 0;
  let handled = 0;
  let abandoned = 0;
  let within = 0;
  let taken = 0;
  const firstResponses: number[] = [];
  const handleTimes: number[] = [];
  for (const t of tickets) {
    created++;
    if (t.firstReplyAt !== null) firstResponses.push((t.firstReplyAt - t.createdAt) / 1000);
    if (t.assignedAt !== null) {
      taken++;
      if (t.assignedAt - t.createdAt <= (t.targetS ?? targetS ?? 0) * 1000) within++;
      if (t.closedAt !== null) {
        handled++;
        handleTimes.push((t.closedAt - t.assignedAt) / 1000);
      }
    } else if (t.closedAt !== null) abandoned++;
  }
  const of = taken + abandoned;
  return {
    created,
    handled,
    abandoned,
    firstResponse: { count: firstResponses.length, avgS: average(firstResponses), p90S: p90(firstResponses) },
    handleTime: { count: handleTimes.length, avgS: average(handleTimes) },
    serviceLevel: { targetS, within, of, pct: of === 0 ? null : round((within / of) * 100) },
  };
}

/** The last midnight at or before `at` in the time zone (a day that starts at 01:00 after a DST change starts then). */
export function midnightIn(timeZone: string, at: number): number {
  const sinceMinute = at % 60_000;
  let start = at - sinceMinute - localClock(at, timeZone).minute * 60_000;
  // A clock change between midnight and now: the wall clock at `start` is not 00:00, step by what it shows.
  const shown = localClock(start, timeZone);
  if (shown.minute !== 0) start -= (shown.minute >= 12 * 60 ? shown.minute - 24 * 60 : shown.minute) * 60_000;
  return start;
}

/** The calendar day (YYYY-MM-DD) of `at` in the time zone. */
export function dayIn(timeZone: string, at: number): string {
  return localClock(at, timeZone).date;
}

/** The tickets' figures per group, groups in key order; each group's target is its tickets' one when they share it. */
export function groupedFigures<T extends TicketTimes>(tickets: readonly T[], keyOf: (t: T) => string): { key: string; figures: ServiceFigures }[] {
  const groups = new Map<string, T[]>();
  for (const t of tickets) {
    const key = keyOf(t);
    let group = groups.get(key);
    if (!group) groups.set(key, (group = []));
    group.push(t);
  }
  return [...groups.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([key, group]) => {
      const targets = new Set(group.map((t) => t.targetS));
      return { key, figures: serviceFigures(group, targets.size === 1 ? (group[0]!.targetS ?? null) : null) };
    });
}
