import { describe, expect, it } from "vitest";
import { AgentClient, createQueue, createTelegramAccount, createUser, fireTimers, postTelegram, queueStub, settle, telegramUpdate } from "../helpers/hub";

describe("capacity under a burst", () => {
  it("never offers an agent more than their capacity when 40 customers write at once, across strategies", async () => {
    for (const strategy of ["round-robin", "ring-all", "least-busy", "percentage"] as const) {
      const queueId = await createQueue({ strategy });
      const { key } = await createTelegramAccount(queueId);
      const agents = await Promise.all([2, 3, 1].map((capacity) => createUser({ capacity, queues: [queueId] })));
      const clients = await Promise.all(agents.map((a) => AgentClient.connect(a.token, queueId)));
      // Accept every offer as it comes, like a busy desk.
      for (const c of clients) c.ws.addEventListener("message", (e) => {
        const f = JSON.parse(e.data as string);
        if (f.type === "offer") c.send({ type: "accept", ticketId: f.ticket.id });
      });

      const base = 500_000 + Math.floor(Math.random() * 1_000_000);
      const responses = await Promise.all(
        Array.from({ length: 40 }, (_, i) => postTelegram(key, telegramUpdate({ updateId: base + i, userId: base + i, messageId: 1, text: `Acil ${i} 🚨` }))),
      );
      expect(responses.every((r) => r.status === 200)).toBe(true);
      for (let i = 0; i < 10; i++) await settle();

      const snap = await queueStub(queueId).snapshot();
      for (const [i, a] of agents.entries()) {
        const row = snap.agents.find((x) => x.id === a.id)!;
        expect(row.load, `${strategy}: agent ${i}`).toBeLessThanOrEqual(row.capacity);
        const held = snap.tickets.filter((t) => t.agentId === a.id).length;
        expect(held, `${strategy}: agent ${i}`).toBe(row.capacity);
      }
      expect(snap.tickets).toHaveLength(40);
      expect(snap.tickets.filter((t) => t.state === "waiting")).toHaveLength(40 - 6);
      for (const c of clients) c.close();
      await settle();
      await fireTimers(queueId).catch(() => undefined);
    }
  }, 60_000);
});
