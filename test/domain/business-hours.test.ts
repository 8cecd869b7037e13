import { describe, expect, it } from "vitest";
import { businessHoursSchema, describeHours, isOpen, type BusinessHours } from "../../src/domain/business-hours";

// Europe/Istanbul is UTC+3 all year. 2026-01-05 is a Monday.
const istanbul: BusinessHours = {
  timezone: "Europe/Istanbul",
  windows: [
    { days: ["mon", "tue", "wed", "thu", "fri"], from: "09:00", to: "18:00" },
    { days: ["sat"], from: "10:00", to: "14:00" },
  ],
  holidays: [],
};
const istanbulAt = (day: number, hour: number, minute = 0, second = 0) => Date.UTC(2026, 0, day, hour - 3, minute, second);

describe("businessHoursSchema", () => {
  const valid = { timezone: "Europe/Istanbul", windows: [{ days: ["mon"], from: "09:00", to: "18:00" }] };
  const pathsAndMessages = (input: unknown) =>
    businessHoursSchema.safeParse(input).error?.issues.map((i) => [i.path.join("."), i.message]) ?? [];

  it("takes a schedule without holidays and gives it an empty list", () => {
    expect(businessHoursSchema.parse(valid).holidays).toEqual([]);
    expect(businessHoursSchema.parse({ ...valid, holidays: [{ date: "2028-02-29", name: "Leap day" }] }).holidays).toHaveLength(1);
  });

  it("refuses an unknown time zone, no windows and unknown keys", () => {
    expect(pathsAndMessages({ ...valid, timezone: "Mars/Olympus" })).toEqual([["timezone", expect.stringContaining("Unknown time zone")]]);
    expect(pathsAndMessages({ ...valid, windows: [] })).toEqual([["windows", "At least one opening window is needed"]]);
    expect(pathsAndMessages({ ...valid, open: true })).toHaveLength(1);
  });

  it("refuses dates that are not real or not written YYYY-MM-DD", () => {
    expect(pathsAndMessages({ ...valid, holidays: [{ date: "2026-02-30" }] })).toEqual([["holidays.0.date", "Not a calendar date"]]);
    expect(pathsAndMessages({ ...valid, holidays: [{ date: "2027-02-29" }] })).toEqual([["holidays.0.date", "Not a calendar date"]]);
    expect(pathsAndMessages({ ...valid, holidays: [{ date: "2026-1-5" }] })).toEqual([
      ["holidays.0.date", 'Expected a date as "YYYY-MM-DD"'],
      ["holidays.0.date", "Not a calendar date"],
    ]);
  });

  it("refuses a partial-day holiday with one end only or ends in the wrong order", () => {
    expect(pathsAndMessages({ ...valid, holidays: [{ date: "2026-01-06", from: "12:00" }] })).toEqual([
      ["holidays.0.to", "A partial-day holiday needs both from and to"],
    ]);
    expect(pathsAndMessages({ ...valid, holidays: [{ date: "2026-01-06", from: "14:00", to: "12:00" }] })).toEqual([
      ["holidays.0.to", expect.stringContaining("must be before")],
    ]);
    expect(pathsAndMessages({ ...valid, holidays: [{ date: "2026-01-06", from: "12:00", to: "24:00" }] })).toEqual([]);
  });
});

describe("isOpen", () => {
  it("is open inside a window on local time and closed outside it", () => {
    expect(isOpen(istanbul, istanbulAt(5, 9))).toBe(true);
    expect(isOpen(istanbul, istanbulAt(5, 8, 59, 59))).toBe(false);
    expect(isOpen(istanbul, istanbulAt(5, 17, 59))).toBe(true);
    expect(isOpen(istanbul, istanbulAt(5, 18))).toBe(false);
    expect(isOpen(istanbul, istanbulAt(10, 10))).toBe(true);
    expect(isOpen(istanbul, istanbulAt(10, 14))).toBe(false);
    expect(isOpen(istanbul, istanbulAt(11, 12))).toBe(false);
  });

  it("is closed all day on a full holiday", () => {
    const hours = { ...istanbul, holidays: [{ date: "2026-01-06", name: "Company day" }] };
    expect(isOpen(hours, istanbulAt(6, 9))).toBe(false);
    expect(isOpen(hours, istanbulAt(6, 17, 59))).toBe(false);
    expect(isOpen(hours, istanbulAt(5, 17, 59))).toBe(true);
    expect(isOpen(hours, istanbulAt(7, 9))).toBe(true);
  });

  it("is closed only within the span of a partial-day holiday", () => {
    const hours = { ...istanbul, holidays: [{ date: "2026-01-07", from: "12:00", to: "14:00" }] };
    expect(isOpen(hours, istanbulAt(7, 11, 59))).toBe(true);
    expect(isOpen(hours, istanbulAt(7, 12))).toBe(false);
    expect(isOpen(hours, istanbulAt(7, 13, 59))).toBe(false);
    expect(isOpen(hours, istanbulAt(7, 14))).toBe(true);
    expect(isOpen(hours, istanbulAt(8, 12, 30))).toBe(true);
  });

  it("keeps an overnight window open past midnight, unless the new local date is a holiday", () => {
    const night: BusinessHours = { timezone: "UTC", windows: [{ days: ["fri"], from: "22:00", to: "06:00" }], holidays: [] };
    expect(isOpen(night, Date.UTC(2026, 0, 9, 23, 0))).toBe(true);
    expect(isOpen(night, Date.UTC(2026, 0, 10, 5, 59))).toBe(true);
    expect(isOpen(night, Date.UTC(2026, 0, 10, 6, 0))).toBe(false);
    const saturdayOff = { ...night, holidays: [{ date: "2026-01-10" }] };
    expect(isOpen(saturdayOff, Date.UTC(2026, 0, 9, 23, 0))).toBe(true);
    expect(isOpen(saturdayOff, Date.UTC(2026, 0, 10, 2, 0))).toBe(false);
  });

  it("reads holidays on the local date, not the UTC one", () => {
    const hours = { ...istanbul, holidays: [{ date: "2026-01-06" }] };
    // 2026-01-05 22:00 UTC is already Tuesday 01:00 in Istanbul, but closed anyway; 06:00 UTC Tuesday is 09:00 local.
    expect(isOpen(hours, Date.UTC(2026, 0, 6, 6, 0))).toBe(false);
    expect(isOpen({ ...istanbul, holidays: [{ date: "2026-01-05" }] }, Date.UTC(2026, 0, 6, 6, 0))).toBe(true);
  });
});

describe("describeHours", () => {
  it("groups consecutive days with the same windows", () => {
    expect(describeHours(istanbul)).toBe("Mon–Fri 09:00–18:00, Sat 10:00–14:00 (Europe/Istanbul)");
  });

  it("starts a new group after a closed day or a change of hours", () => {
    const hours = {
      timezone: "UTC",
      windows: [
        { days: ["mon" as const, "tue" as const, "thu" as const, "fri" as const], from: "09:00", to: "18:00" },
        { days: ["fri" as const], from: "20:00", to: "22:00" },
        { days: ["sun" as const], from: "22:00", to: "06:00" },
      ],
    };
    expect(describeHours(hours)).toBe("Mon–Tue 09:00–18:00, Thu 09:00–18:00, Fri 09:00–18:00 and 20:00–22:00, Sun 22:00–06:00 (UTC)");
  });

  it("lists a day's windows in order, once each", () => {
    const hours = {
      timezone: "Europe/Berlin",
      windows: [
        { days: ["mon" as const], from: "13:00", to: "18:00" },
        { days: ["mon" as const], from: "09:00", to: "12:00" },
        { days: ["mon" as const], from: "13:00", to: "18:00" },
      ],
    };
    expect(describeHours(hours)).toBe("Mon 09:00–12:00 and 13:00–18:00 (Europe/Berlin)");
  });
});
