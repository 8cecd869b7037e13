import { describe, expect, it } from "vitest";
import { movesForward } from "../../src/domain/status";

describe("movesForward", () => {
  it("moves a reply forward through sent, delivered and read, never back", () => {
    expect(movesForward("queued", "sent")).toBe(true);
    expect(movesForward("sent", "delivered")).toBe(true);
    expect(movesForward("delivered", "read")).toBe(true);
    expect(movesForward("read", "delivered")).toBe(false);
    expect(movesForward("delivered", "sent")).toBe(false);
  });
  it("takes a failure only before delivery, and nothing after a failure", () => {
    expect(movesForward("sent", "failed")).toBe(true);
    expect(movesForward("sending", "failed")).toBe(true);
    expect(movesForward("delivered", "failed")).toBe(false);
    expect(movesForward("failed", "read")).toBe(false);
    expect(movesForward("failed", "sent")).toBe(false);
  });
});
