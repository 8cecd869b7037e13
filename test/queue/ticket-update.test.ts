import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it } from "vitest";
import { auditRows, call, seedUser } from "../helpers/api";
import { agentIn, cleanUp, connect, desk, heldTicket, stubBotApi } from "./desk";

afterEach(cleanUp);

const stored = (id: number) => env.DB.prepare("SELECT subject, tags FROM tickets WHERE id = ?1").bind(id).first<{ subject: string | null; tags: string }>();

describe("subject and tags", () => {
  it("the holder sets them on the socket, trimmed and deduplicated; bad values change nothing", async () => {
    stubBotApi();
    const { queueId, key } = await desk();
    const a = await agentIn(queueId);
    const ayse = await connect(a.token, queueId);
    const { ticketId } = await heldTicket(key, ayse);

    ayse.send({ type: "ticket.update", ticketId, subject: "  İade talebi 📦 ", tags: [" iade ", "kargo gecikmesi", "iade"] });
    const updated = await ayse.next("ticket.updated");
    expect(updated.ticket).toMatchObject({ id: ticketId, subject: "İade talebi 📦", tags: ["iade", "kargo gecikmesi"], unread: 1 });
    expect(await stored(ticketId)).toEqual({ subject: "İade talebi 📦", tags: '["iade","kargo gecikmesi"]' });

    // Only tags: the subject stays.
    ayse.send({ type: "ticket.update", ticketId, tags: ["öncelikli"] });
    expect((await ayse.next("ticket.updated")).ticket).toMatchObject({ subject: "İade talebi 📦", tags: ["öncelikli"] });

    for (const bad of [
      { subject: "ş".repeat(201) },
      { tags: Array.from({ length: 21 }, (_, i) => `t${i}`) },
      { tags: ["x".repeat(51)] },
      { tags: ["   "] },
      {},
    ]) {
      ayse.send({ type: "ticket.update", ticketId, ...bad });
      expect(await ayse.next("error")).toMatchObject({ code: "invalid_frame" });
    }
    expect(await stored(ticketId)).toEqual({ subject: "İade talebi 📦", tags: '["öncelikli"]' });

    // A reconnecting agent's hello shows them.
    ayse.close();
    const again = await connect(a.token, queueId);
    expect(again.all("hello")[0]!.tickets[0]).toMatchObject({ id: ticketId, subject: "İade talebi 📦", tags: ["öncelikli"] });
  });

  it("another agent may not; PATCH /tickets/{id} lets supervisors and the holder, and the holder sees the change", async () => {
    stubBotApi();
    const { queueId, key } = await desk();
    const a = await agentIn(queueId);
    const b = await agentIn(queueId, "Mehmet Öztürk");
    const supervisor = await seedUser("supervisor");
    const ayse = await connect(a.token, queueId);
    const { ticketId } = await heldTicket(key, ayse);
    const mehmet = await connect(b.token, queueId);
    const patch = (token: string, json: unknown) => call(`/api/v1/tickets/${ticketId}`, { method: "PATCH", token, json });

    mehmet.send({ type: "ticket.update", ticketId, subject: "benim" });
    expect(await mehmet.next("error")).toMatchObject({ code: "not_your_ticket" });
    const forbidden = await patch(b.token, { subject: "benim" });
    expect(forbidden.status).toBe(403);
    expect(forbidden.data.error.code).toBe("not_your_ticket");

    const bySupervisor = await patch(supervisor.token, { subject: "Fatura sorusu 🧾", tags: ["fatura", " fatura ", "vip"] });
    expect(bySupervisor.status).toBe(200);
    expect(bySupervisor.data).toMatchObject({ id: ticketId, subject: "Fatura sorusu 🧾", tags: ["fatura", "vip"] });
    expect((await ayse.next("ticket.updated")).ticket).toMatchObject({ id: ticketId, subject: "Fatura sorusu 🧾", tags: ["fatura", "vip"] });

    const byHolder = await patch(a.token, { subject: "" });
    expect(byHolder.status).toBe(200);
    expect(byHolder.data).toMatchObject({ subject: null, tags: ["fatura", "vip"] });
    expect((await ayse.next("ticket.updated")).ticket.subject).toBeNull();

    const invalid = await patch(supervisor.token, { tags: ["x".repeat(51)], subject: "ğ".repeat(201) });
    expect(invalid.status).toBe(400);
    expect(invalid.data.error.details.map((d: any) => d.path).sort()).toEqual(["subject", "tags.0"]);
    expect((await patch(supervisor.token, {})).status).toBe(400);
    expect(await stored(ticketId)).toEqual({ subject: null, tags: '["fatura","vip"]' });
    expect((await auditRows(String(ticketId))).map((r) => [r.action, r.actor_id])).toEqual([
      ["ticket.update", supervisor.id],
      ["ticket.update", a.id],
    ]);
  });
});
