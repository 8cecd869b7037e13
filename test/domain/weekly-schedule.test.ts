import { describe, expect, it } from "vitest";
import { inWindow, localClock, weeklyWindowSchema, type LocalClock, type WeeklyWindow } from "../../src/domain/weekly-schedule";

describe("localClock", () => {
  // Monday 2026-01-05 22:30 UTC.
  const at = Date.UTC(2026, 0, 5, 22, 30);

  it("reads the same instant on the wall clocks of several time zones", () => {
    expect(localClock(at, "UTC")).toEqual({ weekday: "mon", minute: 22 * 60 + 30, date: "2026-01-05" });
    expect(localClock(at, "Europe/Istanbul")).toEqual({ weekday: "tue", minute: 1 * 60 + 30, date: "2026-01-06" });
    expect(localClock(at, "America/New_York")).toEqual({ weekday: "mon", minute: 17 * 60 + 30, date: "2026-01-05" });
    expect(localClock(at, "Asia/Kolkata")).toEqual({ weekday: "tue", minute: 4 * 60, date: "2026-01-06" });
    expect(localClock(at, "Pacific/Auckland")).toEqual({ weekday: "tue", minute: 11 * 60 + 30, date: "2026-01-06" });
  });

  it("shows local midnight as minute 0 of the new date", () => {
    expect(localClock(Date.UTC(2026, 0, 5, 21, 0), "Europe/Istanbul")).toEqual({ weekday: "tue", minute: 0, date: "2026-01-06" });
  });

  it("follows Europe/Berlin over the spring change: 02:00 CET jumps to 03:00 CEST", () => {
    expect(localClock(Date.UTC(2026, 2, 29, 0, 59), "Europe/Berlin")).toEqual({ weekday: "sun", minute: 1 * 60 + 59, date: "2026-03-29" });
    expect(localClock(Date.UTC(2026, 2, 29, 1, 0), "Europe/Berlin")).toEqual({ weekday: "sun", minute: 3 * 60, date: "2026-03-29" });
    expect(localClock(Date.UTC(2026, 2, 30, 7, 0), "Europe/Berlin").minute).toBe(9 * 60);
  });

  it("follows Europe/Berlin over the autumn change: 02:30 is shown twice, an hour apart", () => {
    const summer = localClock(Date.UTC(2026, 9, 25, 0, 30), "Europe/Berlin");
    const winter = localClock(Date.UTC(2026, 9, 25, 1, 30), "Europe/Berlin");
    expect(summer).toEqual({ weekday: "sun", minute: 2 * 60 + 30, date: "2026-10-25" });
    expect(winter).toEqual(summer);
    expect(localClock(Date.UTC(2026, 9, 26, 8, 0), "Europe/Berlin").minute).toBe(9 * 60);
  });
});

describe("inWindow", () => {
  const clock = (weekday: LocalClock["weekday"], hhmm: string): LocalClock => {
    const [h, m] = hhmm.split(":").map(Number);
    return { weekday, minute: h! * 60 + m!, date: "2026-01-05" };
  };
  const office: WeeklyWindow = { days: ["mon", "tue", "wed", "thu", "fri"], from: "09:00", to: "18:00" };
  const night: WeeklyWindow = { days: ["fri"], from: "22:00", to: "06:00" };

  it("holds a daytime window from its start, up to but not including its end", () => {
    expect(inWindow(clock("mon", "09:00"), office)).toBe(true);
    expect(inWindow(clock("fri", "17:59"), office)).toBe(true);
    expect(inWindow(clock("mon", "08:59"), office)).toBe(false);
    expect(inWindow(clock("mon", "18:00"), office)).toBe(false);
    expect(inWindow(clock("sat", "12:00"), office)).toBe(false);
  });

  it("runs an overnight window from its start day into the next morning", () => {
    expect(inWindow(clock("fri", "22:00"), night)).toBe(true);
    expect(inWindow(clock("fri", "23:59"), night)).toBe(true);
    expect(inWindow(clock("sat", "00:00"), night)).toBe(true);
    expect(inWindow(clock("sat", "05:59"), night)).toBe(true);
    expect(inWindow(clock("sat", "06:00"), night)).toBe(false);
    expect(inWindow(clock("fri", "21:59"), night)).toBe(false);
    // Friday morning is the tail of a Thursday night, which this window does not have.
    expect(inWindow(clock("fri", "02:00"), night)).toBe(false);
    expect(inWindow(clock("sat", "22:30"), night)).toBe(false);
  });

  it("treats a window ending at 24:00 as ending at midnight, and one ending at 00:00 likewise", () => {
    expect(inWindow(clock("mon", "23:59"), { days: ["mon"], from: "20:00", to: "24:00" })).toBe(true);
    expect(inWindow(clock("tue", "00:00"), { days: ["mon"], from: "20:00", to: "24:00" })).toBe(false);
    expect(inWindow(clock("mon", "23:00"), { days: ["mon"], from: "22:00", to: "00:00" })).toBe(true);
    expect(inWindow(clock("tue", "00:00"), { days: ["mon"], from: "22:00", to: "00:00" })).toBe(false);
  });

  it("keeps a window on local time across the Europe/Berlin autumn change", () => {
    const early: WeeklyWindow = { days: ["sun"], from: "02:00", to: "02:45" };
    expect(inWindow(localClock(Date.UTC(2026, 9, 25, 0, 30), "Europe/Berlin"), early)).toBe(true);
    expect(inWindow(localClock(Date.UTC(2026, 9, 25, 0, 50), "Europe/Berlin"), early)).toBe(false);
    expect(inWindow(localClock(Date.UTC(2026, 9, 25, 1, 30), "Europe/Berlin"), early)).toBe(true);
  });
});

describe("weeklyWindowSchema", () => {
  it("refuses an empty window and a start at 24:00, naming the field", () => {
    const same = weeklyWindowSchema.safeParse({ days: ["mon"], from: "09:00", to: "09:00" });
    expect(same.error?.issues.map((i) => i.path)).toEqual([["to"]]);
    const late = weeklyWindowSchema.safeParse({ days: ["mon"], from: "24:00", to: "06:00" });
    expect(late.error?.issues.map((i) => i.path)).toEqual([["from"]]);
    expect(weeklyWindowSchema.safeParse({ days: ["mon"], from: "9:00", to: "18:00" }).success).toBe(false);
    expect(weeklyWindowSchema.safeParse({ days: ["mon"], from: "22:00", to: "06:00" }).success).toBe(true);
  });
});
