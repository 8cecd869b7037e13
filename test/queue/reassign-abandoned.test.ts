import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it } from "vitest";
import { createTelegramAccount, fireTimers, queueStub, settle } from "../helpers/hub";
import { agentIn, cleanUp, connect, customerWrites, desk, heldTicket, setConversation, stubBotApi } from "./desk";

afterEach(cleanUp);

describe("reassignAbandoned per account", () => {
  it("off: an agent offline past the grace period keeps that account's tickets, while another account's go back to the queue", async () => {
    stubBotApi();
    const { queueId, key: keepKey } = await desk({ conversation: { reassignAbandoned: false } });
    const other = await createTelegramAccount(queueId); // default settings: reassign
    const a = await agentIn(queueId, "Ayşe Yılmaz");
    const b = await agentIn(queueId, "Mehmet Öztürk");
    const ayse = await connect(a.token, queueId);
    const kept = await heldTicket(keepKey, ayse, "Bu bilet Ayşe'de kalsın 🙏");
    const given = await heldTicket(other.key, ayse, "Bu bilet başkasına gidebilir");
    const seen = ayse.lastSeq;
    ayse.close();
    await settle();

    const mehmet = await connect(b.token, queueId);
    await fireTimers(queueId, "presence_grace");
    // The other account's ticket goes to Mehmet; the kept one does not.
    expect((await mehmet.next("offer")).ticket.id).toBe(given.ticketId);
    const tickets = (await queueStub(queueId).snapshot()).tickets;
    expect(tickets.find((t) => t.id === kept.ticketId)).toMatchObject({ state: "assigned", agentId: a.id });
    expect(mehmet.all("offer").map((o) => o.ticket.id)).toEqual([given.ticketId]);
    expect(await env.DB.prepare("SELECT status, assignee_id FROM tickets WHERE id = ?1").bind(kept.ticketId).first()).toEqual({ status: "assigned", assignee_id: a.id });

    // The customer writes while Ayşe is gone: no Wait For The Assigned Agent timer takes it away.
    await customerWrites(keepKey, kept.customer, "Hâlâ bekliyorum ⏳");
    const timers = (await queueStub(queueId).snapshot()).timers;
    expect(timers.filter((t) => t.kind === "assigned_wait" && t.ref === String(kept.ticketId))).toEqual([]);
    await fireTimers(queueId);
    expect(mehmet.all("offer").map((o) => o.ticket.id)).toEqual([given.ticketId]);

    // Ayşe comes back: the ticket is hers, with what she missed; the other one was revoked.
    const back = await connect(a.token, queueId, seen);
    expect(back.all("hello")[0]!.tickets.map((t: any) => t.id)).toEqual([kept.ticketId]);
    expect((await back.next("ticket.revoked")).ticketId).toBe(given.ticketId);
    expect((await back.next("message")).message.body).toBe("Hâlâ bekliyorum ⏳");
    expect(back.all("ticket.revoked").map((f) => f.ticketId)).toEqual([given.ticketId]);
  });

  it("an agent removed from the queue still loses every ticket", async () => {
    stubBotApi();
    const { queueId, key, account } = await desk();
    await setConversation(account.id, { reassignAbandoned: false });
    const a = await agentIn(queueId);
    const ayse = await connect(a.token, queueId);
    const { ticketId } = await heldTicket(key, ayse);
    await queueStub(queueId).memberRemoved(a.id);
    expect((await ayse.next("ticket.revoked")).ticketId).toBe(ticketId);
    expect((await queueStub(queueId).snapshot()).tickets.find((t) => t.id === ticketId)?.state).not.toBe("assigned");
  });
});
