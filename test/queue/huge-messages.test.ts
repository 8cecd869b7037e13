import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it } from "vitest";
import { FRAME_MAX_BYTES, FRAME_TEXT_MAX } from "../../src/queue/frame-bounds";
import type { QueueObject } from "../../src/queue/queue-object";
import { call } from "../helpers/api";
import { queueStub } from "../helpers/hub";
import { agentIn, cleanUp, connect, customerWrites, desk, heldTicket, newCustomer, stubBotApi } from "./desk";

// Customer text far beyond what a provider allows (Telegram caps at 4,096 characters) must not
// break the queue: frames and the replay log stay bounded, D1 keeps every character, and every
// agent frame gets its answer.

afterEach(cleanUp);

const MILLION = 1_000_000;

/** A customer message of exactly `chars` characters (code points), Turkish and emoji first. */
function huge(n: number, chars = MILLION) {
  const head = `Mesaj ${n}: çok uzun bir şikâyet 📦🙏 `;
  return head + "a".repeat(chars - [...head].length);
}

const bytes = (frame: unknown) => new TextEncoder().encode(JSON.stringify(frame)).byteLength;

/** The largest row of the queue's replay log, in bytes, and how many rows it has for the agent. */
async function replayLog(queueId: string, agentId: string) {
  return runInDurableObject(queueStub(queueId), (_o: QueueObject, state) =>
    state.storage.sql.exec<{ n: number; largest: number }>("SELECT count(*) AS n, max(length(CAST(json AS BLOB))) AS largest FROM frames WHERE agent_id = ?", agentId).one(),
  );
}

describe("customer messages of a million characters", () => {
  it("twenty of them on one ticket: the agent's accept is answered, frames are bounded, D1 and the API keep the whole text", async () => {
    stubBotApi();
    const { queueId, key } = await desk();
    const ayse = await agentIn(queueId);
    const agent = await connect(ayse.token, queueId);
    const customer = newCustomer();
    expect(await customerWrites(key, customer, "Merhaba, bir sorum var 👋")).toBe(200);
    const offer = await agent.next("offer");
    for (let i = 1; i <= 20; i++) expect(await customerWrites(key, customer, huge(i))).toBe(200);

    agent.send({ type: "accept", ticketId: offer.ticket.id });
    const assigned = await agent.next("ticket.assigned", 30_000);
    expect(assigned.messages).toHaveLength(21);
    expect(assigned.messages[0]).toMatchObject({ body: "Merhaba, bir sorum var 👋" });
    expect(assigned.messages[0].truncated).toBeUndefined();
    for (const [i, m] of assigned.messages.slice(1).entries()) {
      expect(m.truncated).toBe(true);
      expect([...m.body]).toHaveLength(FRAME_TEXT_MAX);
      expect(huge(i + 1).startsWith(m.body)).toBe(true);
    }
    expect(bytes(assigned)).toBeLessThanOrEqual(FRAME_MAX_BYTES);

    // Held now: the next one arrives as a bounded `message` frame, with its id to fetch the rest.
    await customerWrites(key, customer, huge(21));
    const live = await agent.next("message", 30_000);
    expect(live.message).toMatchObject({ ticketId: offer.ticket.id, truncated: true, direction: "in" });
    expect(bytes(live)).toBeLessThanOrEqual(FRAME_MAX_BYTES);

    // Every character is in D1, and the ticket API shows it.
    const stored = await env.DB.prepare("SELECT id, length(body) AS chars FROM messages WHERE ticket_id = ?1 AND direction = 'in' ORDER BY id").bind(offer.ticket.id).all<{ id: number; chars: number }>();
    expect(stored.results.slice(1).map((r) => r.chars)).toEqual(Array(21).fill(MILLION));
    expect(stored.results.at(-1)!.id).toBe(live.message.id);
    const read = await call(`/api/v1/tickets/${offer.ticket.id}`, { token: ayse.token });
    expect(read.status).toBe(200);
    const full = read.data.messages.find((m: { id: number }) => m.id === live.message.id);
    expect(full.body).toBe(huge(21));

    // The replay log holds bounded rows, and replays them so.
    const log = await replayLog(queueId, ayse.id);
    expect(log.largest).toBeLessThanOrEqual(FRAME_MAX_BYTES);
    const again = await connect(ayse.token, queueId, 0);
    expect(again.all("hello")[0]!.replayed).toBe(log.n);
    const replayedAssign = await again.next("ticket.assigned");
    expect(replayedAssign.messages.map((m: { id: number }) => m.id)).toEqual(assigned.messages.map((m: { id: number }) => m.id));

    // And the agent still works the ticket.
    agent.send({ type: "reply", ticketId: offer.ticket.id, text: "Hepsini okudum, ilgileniyorum 👍", clientMsgId: "after-huge" });
    expect((await agent.next("reply.queued")).message.body).toBe("Hepsini okudum, ilgileniyorum 👍");
  }, 120_000);
});

describe("a frame whose store write fails", () => {
  it("is answered with an error frame naming it, and moves no sequence number", async () => {
    stubBotApi();
    const { queueId, key } = await desk();
    const ayse = await agentIn(queueId);
    const agent = await connect(ayse.token, queueId);
    const { ticketId } = await heldTicket(key, agent, "Siparişim gelmedi 📦");
    const before = agent.lastSeq;

    // The replay log refuses every write, as a full or failing disk would.
    await runInDurableObject(queueStub(queueId), (_o: QueueObject, state) => {
      state.storage.sql.exec("CREATE TRIGGER refuse_frames BEFORE INSERT ON frames BEGIN SELECT RAISE(ABORT, 'disk I/O error'); END");
    });
    try {
      agent.send({ type: "ticket.update", ticketId, subject: "Kargo gecikmesi 🚚" });
      const answer = await agent.next("error");
      expect(answer).toMatchObject({ code: "internal_error", ref: { type: "ticket.update", ticketId }, seq: before });
    } finally {
      await runInDurableObject(queueStub(queueId), (_o: QueueObject, state) => {
        state.storage.sql.exec("DROP TRIGGER refuse_frames");
      });
    }
    // Writes work again: so does the agent.
    agent.send({ type: "ticket.update", ticketId, subject: "Kargo gecikmesi 🚚" });
    expect((await agent.next("ticket.updated")).ticket.subject).toBe("Kargo gecikmesi 🚚");
    expect(agent.lastSeq).toBe(before + 1);
  });
});
