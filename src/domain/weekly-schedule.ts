// No relative imports: the demo seed (scripts/seed.mjs) loads this file in Node as it is.
import { z } from "zod";

export const weekdays = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"] as const;
export type Weekday = (typeof weekdays)[number];

/** "HH:MM" on a 24-hour clock; "24:00" closes a window at midnight. */
export const timeOfDaySchema = z.string().regex(/^(([01]\d|2[0-3]):[0-5]\d|24:00)$/, 'Expected a time of day as "HH:MM" (00:00–24:00)');

export function isTimeZone(name: string): boolean {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

/** An IANA time zone name such as "Europe/Istanbul". */
export const timeZoneSchema = z.string().min(1).max(64).refine(isTimeZone, "Unknown time zone (expected an IANA name such as Europe/Istanbul)");

/**
 * A recurring weekly window: on each of `days`, from `from` to `to` in local time. A window whose
 * `to` is not after its `from` runs overnight into the next day (22:00–06:00).
 */
export const weeklyWindowSchema = z
  .object({
    days: z.array(z.enum(weekdays)).min(1).max(7),
    from: timeOfDaySchema,
    to: timeOfDaySchema,
  })
  .strict()
  .refine((w) => w.from !== w.to, { message: "A window must not start and end at the same time", path: ["to"] })
  .refine((w) => w.from !== "24:00", { message: "A window cannot start at 24:00", path: ["from"] });
export type WeeklyWindow = z.output<typeof weeklyWindowSchema>;

/** A moment as a wall clock in one time zone shows it. */
export type LocalClock = { weekday: Weekday; /** minutes since local midnight */ minute: number; /** local date, YYYY-MM-DD */ date: string };

const WEEKDAY_BY_NAME: Record<string, Weekday> = { Mon: "mon", Tue: "tue", Wed: "wed", Thu: "thu", Fri: "fri", Sat: "sat", Sun: "sun" };
const formatters = new Map<string, Intl.DateTimeFormat>();

export function localClock(at: number, timeZone: string): LocalClock {
  let format = formatters.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat("en-US", {
      timeZone,
      hourCycle: "h23",
      weekday: "short",
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
    });
    formatters.set(timeZone, format);
  }
  const parts = Object.fromEntries(format.formatToParts(new Date(at)).map((p) => [p.type, p.value]));
  return {
    weekday: WEEKDAY_BY_NAME[parts.weekday!]!,
    minute: Number(parts.hour) * 60 + Number(parts.minute),
    date: `${parts.year}-${parts.month}-${parts.day}`,
  };
}

function minutesOf(time: string): number {
  const [h, m] = time.split(":").map(Number);
  return h! * 60 + m!;
}

function dayBefore(day: Weekday): Weekday {
  return weekdays[(weekdays.indexOf(day) + 6) % 7]!;
}

/** Whether the local clock falls inside the window (an overnight window counts from its start day). */
export function inWindow(clock: LocalClock, window: WeeklyWindow): boolean {
  const from = minutesOf(window.from);
  const to = minutesOf(window.to);
  if (from < to) return window.days.includes(clock.weekday) && clock.minute >= from && clock.minute < to;
  return (window.days.includes(clock.weekday) && clock.minute >= from) || (window.days.includes(dayBefore(clock.weekday)) && clock.minute < to);
}
