import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { queueStub } from "../helpers/hub";
import type { QueueObject } from "../../src/queue/queue-object";
import { QueueStore } from "../../src/queue/store";

// The alarm reads the due timers once, then awaits D1 and other objects while firing them: a timer
// rescheduled or cancelled by an event in between must not fire from that stale list.

describe("firing a timer", () => {
  it("takes a due timer once, and not after it was moved later or cancelled", async () => {
    await runInDurableObject(queueStub(`timer-claims-${crypto.randomUUID()}`), (_o: QueueObject, state) => {
      const store = new QueueStore(state.storage.sql);
      const now = 1_000_000;
      store.schedule("agent_timeout", "7", now - 1);
      store.schedule("idle_session", "7", now - 1);
      store.schedule("message_timeout", "7", now - 1);
      const due = store.dueTimers(now);
      expect(due.map((t) => t.kind).sort()).toEqual(["agent_timeout", "idle_session", "message_timeout"]);
      // Meanwhile: the agent answered (cancelled) and the customer wrote (moved later).
      store.cancelTimer("agent_timeout", "7");
      store.schedule("idle_session", "7", now + 60_000);
      const fired = due.filter((t) => store.claimTimer(t, now)).map((t) => t.kind);
      expect(fired).toEqual(["message_timeout"]);
      expect(store.claimTimer(due.find((t) => t.kind === "message_timeout")!, now)).toBe(false);
      expect(store.timers().map((t) => [t.kind, t.due_at])).toEqual([["idle_session", now + 60_000]]);
    });
  });
});
