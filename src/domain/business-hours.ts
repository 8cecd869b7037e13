// Relative imports carry their .ts extension and stay limited to weekly-schedule: a Node script loads this file as it is.
import { z } from "zod";
import { inWindow, localClock, timeOfDaySchema, timeZoneSchema, weekdays, weeklyWindowSchema, type LocalClock, type Weekday } from "./weekly-schedule.ts";

const DAY_MS = 86_400_000;
const MINUTE_MS = 60_000;
const SEARCH_DAYS = 14;

function minutesOf(time: string): number {
  const [h, m] = time.split(":").map(Number);
  return h! * 60 + m!;
}

/** Midnight UTC of a "YYYY-MM-DD" date, or NaN when it is no calendar date (2026-02-30). */
function dateMs(date: string): number {
  const [y, m, d] = date.split("-").map(Number);
  const ms = Date.UTC(y!, m! - 1, d!);
  return !Number.isNaN(ms) && new Date(ms).toISOString().slice(0, 10) === date ? ms : NaN;
}

function weekdayOf(date: string): Weekday {
  return weekdays[(new Date(dateMs(date)).getUTCDay() + 6) % 7]!;
}

function addDays(date: string, days: number): string {
  return new Date(dateMs(date) + days * DAY_MS).toISOString().slice(0, 10);
}

export const holidaySchema = z
  .object({
    date: z
      .string()
      .regex(/^\d{4}-\d{2}-\d{2}$/, 'Expected a date as "YYYY-MM-DD"')
      .refine((d) => !Number.isNaN(dateMs(d)), "Not a calendar date"),
    name: z.string().min(1).max(100).optional(),
    /** With `to`: closed only from `from` to `to` on that date instead of all day. */
    from: timeOfDaySchema.optional(),
    to: timeOfDaySchema.optional(),
  })
  .strict()
  .superRefine((h, ctx) => {
    if ((h.from === undefined) !== (h.to === undefined)) {
      ctx.addIssue({ code: "custom", message: "A partial-day holiday needs both from and to", path: [h.from === undefined ? "from" : "to"] });
    } else if (h.from !== undefined && h.to !== undefined && minutesOf(h.from) >= minutesOf(h.to)) {
      ctx.addIssue({ code: "custom", message: "A holiday's from must be before its to (same day)", path: ["to"] });
    }
  });
export type Holiday = z.output<typeof holidaySchema>;

/** When the hub counts as open: any weekly window, in `timezone`, except on holidays. */
export const businessHoursSchema = z
  .object({
    timezone: timeZoneSchema,
    windows: z.array(weeklyWindowSchema).min(1, "At least one opening window is needed").max(50),
    holidays: z.array(holidaySchema).max(366).default([]),
  })
  .strict();
export type BusinessHours = z.output<typeof businessHoursSchema>;

function inHoliday(date: string, minute: number, holiday: Holiday): boolean {
  if (holiday.date !== date) return false;
  if (holiday.from === undefined || holiday.to === undefined) return true;
  return minute >= minutesOf(holiday.from) && minute < minutesOf(holiday.to);
}

function openOnClock(hours: BusinessHours, clock: LocalClock): boolean {
  return hours.windows.some((w) => inWindow(clock, w)) && !hours.holidays.some((h) => inHoliday(clock.date, clock.minute, h));
}

export function isOpen(hours: BusinessHours, at: number): boolean {
  return openOnClock(hours, localClock(at, hours.timezone));
}

/** How far the local clock is ahead of UTC at `at`, ms (to the minute). */
function offsetAt(at: number, timeZone: string): number {
  const clock = localClock(at, timeZone);
  return dateMs(clock.date) + clock.minute * MINUTE_MS - (at - (((at % MINUTE_MS) + MINUTE_MS) % MINUTE_MS));
}

/**
 * The instants at which the local clock shows `minute` on `date`: usually one, two when the clock is
 * set back over it, none when it is skipped (the offset changes are searched separately).
 */
function instantsOf(date: string, minute: number, timeZone: string): number[] {
  const wall = dateMs(date) + minute * MINUTE_MS;
  const offsets = new Set([offsetAt(wall - DAY_MS, timeZone), offsetAt(wall + DAY_MS, timeZone)]);
  return [...offsets]
    .map((offset) => wall - offset)
    .filter((t) => {
      const clock = localClock(t, timeZone);
      return clock.date === date && clock.minute === minute;
    });
}

/** Instants within [from, to] at which the zone's offset changes, to the minute (at most one a day, as in every zone). */
function offsetChanges(from: number, to: number, timeZone: string): number[] {
  const changes: number[] = [];
  let before = offsetAt(from, timeZone);
  for (let start = from; start < to; start += DAY_MS) {
    const end = Math.min(start + DAY_MS, to);
    const after = offsetAt(end, timeZone);
    if (after === before) continue;
    let lo = Math.floor(start / MINUTE_MS);
    let hi = Math.ceil(end / MINUTE_MS);
    while (hi - lo > 1) {
      const mid = Math.floor((lo + hi) / 2);
      if (offsetAt(mid * MINUTE_MS, timeZone) === before) lo = mid;
      else hi = mid;
    }
    changes.push(hi * MINUTE_MS);
    before = after;
  }
  return changes;
}

/**
 * The first instant from `at` on at which the hours are open (`at` itself when open now), or null
 * when they stay closed for the next 14 days. Opening can only begin when a window starts, a holiday
 * ends or the clock is moved (DST), so only those instants are tried.
 */
export function nextOpening(hours: BusinessHours, at: number): number | null {
  if (isOpen(hours, at)) return at;
  const zone = hours.timezone;
  const until = at + SEARCH_DAYS * DAY_MS;
  const firstDate = localClock(at, zone).date;
  const lastDate = addDays(localClock(until, zone).date, 1);

  // Openness depends on the local clock alone, so local times that are closed need no instant.
  const openLocalTimes = new Map<string, LocalClock>();
  const consider = (date: string, minute: number) => {
    const clock = { date, minute, weekday: weekdayOf(date) };
    if (openOnClock(hours, clock)) openLocalTimes.set(`${date} ${minute}`, clock);
  };
  for (let date = firstDate; date <= lastDate; date = addDays(date, 1)) {
    for (const w of hours.windows) consider(date, minutesOf(w.from));
  }
  for (const h of hours.holidays) {
    if (h.date < firstDate || h.date > lastDate) continue;
    const end = h.to === undefined ? 24 * 60 : minutesOf(h.to);
    if (end === 24 * 60) consider(addDays(h.date, 1), 0);
    else consider(h.date, end);
  }

  let best = offsetChanges(at, until, zone).find((t) => t > at && isOpen(hours, t)) ?? Infinity;
  const byWallTime = [...openLocalTimes.values()]
    .map((clock) => ({ ...clock, wall: dateMs(clock.date) + clock.minute * MINUTE_MS }))
    .sort((a, b) => a.wall - b.wall);
  for (const { date, minute, wall } of byWallTime) {
    // Offsets stay within ±14 h, so a wall time more than a day past `best` is an instant after it.
    if (wall > best + DAY_MS) break;
    for (const t of instantsOf(date, minute, zone)) if (t > at && t < best) best = t;
  }
  return best <= until ? best : null;
}

const DAY_LABELS: Record<Weekday, string> = { mon: "Mon", tue: "Tue", wed: "Wed", thu: "Thu", fri: "Fri", sat: "Sat", sun: "Sun" };

/** The schedule in words, for the `businessHours` variable: "Mon–Fri 09:00–18:00, Sat 10:00–14:00 (Europe/Istanbul)". */
export function describeHours(hours: Pick<BusinessHours, "timezone" | "windows">): string {
  const spansOf = (day: Weekday) =>
    [...new Set(hours.windows.filter((w) => w.days.includes(day)).map((w) => `${w.from}–${w.to}`))].sort().join(" and ");
  const groups: { first: Weekday; last: Weekday; spans: string }[] = [];
  for (const day of weekdays) {
    const spans = spansOf(day);
    const previous = groups.at(-1);
    if (previous?.spans === spans) previous.last = day;
    else groups.push({ first: day, last: day, spans });
  }
  const parts = groups
    .filter((g) => g.spans !== "")
    .map((g) => `${DAY_LABELS[g.first]}${g.first === g.last ? "" : `–${DAY_LABELS[g.last]}`} ${g.spans}`);
  return `${parts.join(", ")} (${hours.timezone})`;
}
