import { describe, expect, it } from "vitest";
import { dayIn, groupedFigures, midnightIn, p90, serviceFigures } from "../../src/domain/service-figures";

describe("service figures", () => {
  it("take the nearest-rank 90th percentile", () => {
    expect(p90([])).toBeNull();
    expect(p90([5])).toBe(5);
    expect(p90([10, 1, 2, 3, 4, 5, 6, 7, 8, 9])).toBe(9);
    expect(p90(Array.from({ length: 11 }, (_, i) => i + 1))).toBe(10);
  });

  it("count handled, abandoned and the service level by each ticket's own target", () => {
    const t0 = 1_000_000;
    const f = serviceFigures(
      [
        { createdAt: t0, assignedAt: t0 + 10_000, firstReplyAt: t0 + 30_000, closedAt: t0 + 70_000, targetS: 20 },
        { createdAt: t0, assignedAt: t0 + 25_000, firstReplyAt: null, closedAt: null, targetS: 30 },
        { createdAt: t0, assignedAt: t0 + 25_000, firstReplyAt: t0 + 60_000, closedAt: null, targetS: 20 },
        { createdAt: t0, assignedAt: null, firstReplyAt: null, closedAt: t0 + 5_000, targetS: 20 },
        { createdAt: t0, assignedAt: null, firstReplyAt: null, closedAt: null, targetS: 20 },
      ],
      null,
    );
    expect(f).toEqual({
      created: 5,
      handled: 1,
      abandoned: 1,
      firstResponse: { count: 2, avgS: 45, p90S: 60 },
      handleTime: { count: 1, avgS: 60 },
      serviceLevel: { targetS: null, within: 2, of: 4, pct: 50 },
    });
    expect(groupedFigures([{ createdAt: 1, assignedAt: null, firstReplyAt: null, closedAt: null, targetS: 15, k: "b" }, { createdAt: 1, assignedAt: 2, firstReplyAt: null, closedAt: null, targetS: 15, k: "a" }], (t) => t.k).map((g) => [g.key, g.figures.serviceLevel.targetS])).toEqual([
      ["a", 15],
      ["b", 15],
    ]);
  });

  it("find midnight in the queue's time zone, also on a day the clocks change", () => {
    const at = Date.UTC(2026, 11, 3, 19, 30, 12, 345);
    expect(midnightIn("UTC", at)).toBe(Date.UTC(2026, 11, 3));
    expect(midnightIn("Europe/Istanbul", at)).toBe(Date.UTC(2026, 11, 3) - 3 * 3_600_000);
    expect(midnightIn("Europe/Istanbul", Date.UTC(2026, 11, 3, 22, 0))).toBe(Date.UTC(2026, 11, 4) - 3 * 3_600_000);
    // New York moved to summer time at 02:00 on 8 March 2026: midnight was 05:00 UTC, noon is 16:00 UTC.
    expect(midnightIn("America/New_York", Date.UTC(2026, 2, 8, 16, 0))).toBe(Date.UTC(2026, 2, 8, 5, 0));
    // And back on 1 November: midnight was 04:00 UTC, that evening is UTC-5.
    expect(midnightIn("America/New_York", Date.UTC(2026, 10, 1, 23, 0))).toBe(Date.UTC(2026, 10, 1, 4, 0));
    expect(dayIn("Asia/Tokyo", Date.UTC(2026, 11, 3, 20, 0))).toBe("2026-12-04");
  });
});
