import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it } from "vitest";
import { auditRows, call, seedUser } from "../helpers/api";
import { agentIn, cleanUp, connect, desk, heldTicket, stubBotApi } from "./desk";

afterEach(cleanUp);

const ticketRow = (id: number) => env.DB.prepare("SELECT status, assignee_id, disposition, closed_by FROM tickets WHERE id = ?1").bind(id).first<any>();
const mandatory = { dispositions: ["Çözüldü ✅", "İade"], mandatoryDisposition: true };

describe("dispositions on close", () => {
  it("with Mandatory Disposition, a close without one or with one not in the list changes nothing", async () => {
    stubBotApi();
    const { queueId, key } = await desk({ conversation: mandatory });
    const a = await agentIn(queueId);
    const ayse = await connect(a.token, queueId);
    const { ticketId } = await heldTicket(key, ayse);

    ayse.send({ type: "close", ticketId });
    expect(await ayse.next("error")).toMatchObject({ code: "disposition_required", ref: { ticketId, dispositions: ["Çözüldü ✅", "İade"] } });
    ayse.send({ type: "close", ticketId, disposition: "Bilmiyorum" });
    expect(await ayse.next("error")).toMatchObject({ code: "disposition_required" });
    expect(await ticketRow(ticketId)).toEqual({ status: "assigned", assignee_id: a.id, disposition: null, closed_by: null });
    // Still the agent's: a reply goes through.
    ayse.send({ type: "reply", ticketId, text: "Hâlâ buradayım", clientMsgId: "still" });
    expect((await ayse.next("reply.queued")).message.body).toBe("Hâlâ buradayım");

    ayse.send({ type: "close", ticketId, disposition: "Çözüldü ✅" });
    expect(await ayse.next("ticket.closed")).toMatchObject({ ticketId, by: a.id, disposition: "Çözüldü ✅" });
    expect(await ticketRow(ticketId)).toMatchObject({ status: "closed", disposition: "Çözüldü ✅", closed_by: a.id });
    const detail = await call(`/api/v1/tickets/${ticketId}`, { token: a.token });
    expect(detail.data.ticket).toMatchObject({ status: "closed", disposition: "Çözüldü ✅", closedBy: a.id });
  });

  it("without it, a close needs none, but a disposition given must be one of the account's", async () => {
    stubBotApi();
    const { queueId, key } = await desk({ conversation: { dispositions: ["Satış"] } });
    const a = await agentIn(queueId);
    const ayse = await connect(a.token, queueId);
    const first = await heldTicket(key, ayse);
    ayse.send({ type: "close", ticketId: first.ticketId, disposition: "Uydurma" });
    expect(await ayse.next("error")).toMatchObject({ code: "unknown_disposition" });
    expect((await ticketRow(first.ticketId)).status).toBe("assigned");
    ayse.send({ type: "close", ticketId: first.ticketId });
    expect(await ayse.next("ticket.closed")).toMatchObject({ ticketId: first.ticketId, disposition: null });
    expect(await ticketRow(first.ticketId)).toMatchObject({ status: "closed", disposition: null, closed_by: a.id });
  });

  it("the API close applies the same rule, tells the holding agent, and only the holder among agents may use it", async () => {
    stubBotApi();
    const { queueId, key } = await desk({ conversation: mandatory });
    const a = await agentIn(queueId);
    const b = await agentIn(queueId, "Mehmet Öztürk");
    const supervisor = await seedUser("supervisor");
    const ayse = await connect(a.token, queueId);
    const { ticketId } = await heldTicket(key, ayse);
    const close = (token: string, json?: unknown) => call(`/api/v1/tickets/${ticketId}/close`, { method: "POST", token, json });

    const refused = await close(supervisor.token, {});
    expect(refused.status).toBe(400);
    expect(refused.data.error.code).toBe("disposition_required");
    expect((await close(supervisor.token)).status).toBe(400);
    const wrong = await close(supervisor.token, { disposition: "Yok" });
    expect(wrong.data.error.code).toBe("disposition_required");
    expect(await ticketRow(ticketId)).toMatchObject({ status: "assigned", disposition: null });

    const notHolder = await close(b.token, { disposition: "İade" });
    expect(notHolder.status).toBe(403);
    expect(notHolder.data.error.code).toBe("not_your_ticket");

    const closed = await close(supervisor.token, { disposition: "İade" });
    expect(closed.status).toBe(200);
    expect(closed.data).toMatchObject({ id: ticketId, status: "closed", disposition: "İade", closedBy: supervisor.id });
    expect(await ayse.next("ticket.closed")).toMatchObject({ ticketId, by: supervisor.id, disposition: "İade" });
    expect((await close(supervisor.token, { disposition: "İade" })).status).toBe(409);
    expect((await auditRows(String(ticketId))).map((r) => [r.action, r.actor_id, JSON.parse(r.details!)])).toEqual([["ticket.close", supervisor.id, { disposition: "İade" }]]);
  });

  it("the holding agent may close through the API", async () => {
    stubBotApi();
    const { queueId, key } = await desk();
    const a = await agentIn(queueId);
    const ayse = await connect(a.token, queueId);
    const { ticketId } = await heldTicket(key, ayse);
    const res = await call(`/api/v1/tickets/${ticketId}/close`, { method: "POST", token: a.token, json: {} });
    expect(res.status).toBe(200);
    expect(await ayse.next("ticket.closed")).toMatchObject({ ticketId, by: a.id, disposition: null });
  });
});
