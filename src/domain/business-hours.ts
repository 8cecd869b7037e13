// Relative imports carry their .ts extension and stay limited to weekly-schedule: a Node script loads this file as it is.
import { z } from "zod";
import { inWindow, localClock, timeOfDaySchema, timeZoneSchema, weekdays, weeklyWindowSchema, type LocalClock, type Weekday } from "./weekly-schedule.ts";

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
