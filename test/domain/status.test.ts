import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { MessageStatus } from "../../src/kinds/message";
import { currentRankSql, reportRankSql } from "../../src/domain/status";

/** Whether a report of `next` applies to a message now `current`, as D1 decides it for delivery reports. */
async function movesForward(current: MessageStatus, next: MessageStatus): Promise<boolean> {
  const row = await env.DB.prepare(`SELECT ${reportRankSql("?2")} > ${currentRankSql("?1")} AS forward`)
    .bind(current, next)
    .first<{ forward: number }>();
  return row!.forward === 1;
}

describe("status ranks in SQL", () => {
  it("move a reply forward through sent, delivered and read, never back", async () => {
    expect(await movesForward("queued", "sent")).toBe(true);
    expect(await movesForward("sent", "delivered")).toBe(true);
    expect(await movesForward("delivered", "read")).toBe(true);
    expect(await movesForward("read", "delivered")).toBe(false);
    expect(await movesForward("delivered", "sent")).toBe(false);
  });
  it("take a failure only before delivery, and nothing after a failure", async () => {
    expect(await movesForward("sent", "failed")).toBe(true);
    expect(await movesForward("sending", "failed")).toBe(true);
    expect(await movesForward("delivered", "failed")).toBe(false);
    expect(await movesForward("failed", "read")).toBe(false);
    expect(await movesForward("failed", "sent")).toBe(false);
  });
});
