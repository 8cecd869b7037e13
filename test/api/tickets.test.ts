import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { call, seedAccount, seedQueue, seedTicket, seedUser, seedWorld } from "../helpers/api";

describe("tickets", () => {
  it("agents list and read only tickets of their queues; another queue's ticket is 404", async () => {
    const { agent, supervisor, queueId, otherQueueId } = await seedWorld();
    const account = await seedAccount(queueId);
    const mine = await seedTicket(account.id, queueId);
    const theirs = await seedTicket(account.id, otherQueueId);

    const list = await call("/api/v1/tickets", { token: agent.token });
    expect(list.status).toBe(200);
    const ids = list.data.items.map((t: { id: number }) => t.id);
    expect(ids).toContain(mine.ticketId);
    expect(ids).not.toContain(theirs.ticketId);
    expect(list.data.items.every((t: { queueId: string }) => t.queueId === queueId)).toBe(true);

    expect((await call(`/api/v1/tickets/${mine.ticketId}`, { token: agent.token })).status).toBe(200);
    const hidden = await call(`/api/v1/tickets/${theirs.ticketId}`, { token: agent.token });
    expect(hidden.status).toBe(404);
    expect(hidden.data.error).toEqual({ code: "not_found", message: "Ticket not found" });
    expect((await call(`/api/v1/tickets?queueId=${otherQueueId}`, { token: agent.token })).status).toBe(404);

    const all = await call("/api/v1/tickets", { token: supervisor.token });
    expect(all.data.items.map((t: { id: number }) => t.id)).toEqual(expect.arrayContaining([mine.ticketId, theirs.ticketId]));
    expect((await call(`/api/v1/tickets/${theirs.ticketId}`, { token: supervisor.token })).status).toBe(200);
  });

  it("an agent in no queue sees no tickets", async () => {
    const lonely = await seedUser("agent");
    const res = await call("/api/v1/tickets", { token: lonely.token });
    expect(res.status).toBe(200);
    expect(res.data).toEqual({ items: [], nextCursor: null });
  });

  it("returns the ticket with its contact and messages in order, attachments as stored", async () => {
    const { admin, queueId } = await seedWorld();
    const account = await seedAccount(queueId);
    const t = await seedTicket(account.id, queueId, ["first", "second", "third"]);
    await env.DB.prepare("UPDATE messages SET edited_at = 123, deleted_at = 456, status_reason = 'gone' WHERE ticket_id = ?1 AND body = 'third'")
      .bind(t.ticketId)
      .run();

    const res = await call(`/api/v1/tickets/${t.ticketId}`, { token: admin.token });
    expect(res.status).toBe(200);
    expect(res.data.ticket).toMatchObject({ id: t.ticketId, queueId, accountId: account.id, status: "open", tags: [] });
    expect(res.data.ticket).not.toHaveProperty("current");
    expect(res.data.contact).toMatchObject({ id: t.contactId, displayName: "Zeynep", username: "zeynep_c" });
    expect(res.data.messages.map((m: { body: string }) => m.body)).toEqual(["first", "second", "third"]);
    expect(res.data.messages[0].attachments).toEqual([{ kind: "image", ref: "file-1", width: 10 }]);
    expect(res.data.messages[2]).toMatchObject({ editedAt: 123, deletedAt: 456, statusReason: "gone", direction: "in", status: "received" });
  });

  it("pages newest first with a cursor and filters by status and queue", async () => {
    const { admin } = await seedWorld();
    const queueId = await seedQueue();
    const account = await seedAccount(queueId);
    const created: number[] = [];
    for (let i = 0; i < 5; i++) created.push((await seedTicket(account.id, queueId, [])).ticketId);
    await env.DB.prepare("UPDATE tickets SET status = 'closed', current = NULL WHERE id = ?1").bind(created[0]).run();

    const first = await call(`/api/v1/tickets?queueId=${queueId}&limit=2`, { token: admin.token });
    expect(first.data.items.map((t: { id: number }) => t.id)).toEqual([created[4], created[3]]);
    expect(first.data.nextCursor).toBe(created[3]);
    const second = await call(`/api/v1/tickets?queueId=${queueId}&limit=2&cursor=${first.data.nextCursor}`, { token: admin.token });
    expect(second.data.items.map((t: { id: number }) => t.id)).toEqual([created[2], created[1]]);
    const last = await call(`/api/v1/tickets?queueId=${queueId}&limit=2&cursor=${second.data.nextCursor}`, { token: admin.token });
    expect(last.data).toMatchObject({ items: [{ id: created[0] }], nextCursor: null });

    const closed = await call(`/api/v1/tickets?queueId=${queueId}&status=closed`, { token: admin.token });
    expect(closed.data.items.map((t: { id: number }) => t.id)).toEqual([created[0]]);
  });

  it("validates the query and the id", async () => {
    const { admin } = await seedWorld();
    for (const q of ["limit=0", "limit=101", "status=pending", "cursor=abc"]) {
      const res = await call(`/api/v1/tickets?${q}`, { token: admin.token });
      expect(res.status, q).toBe(400);
      expect(res.data.error.code).toBe("validation_failed");
    }
    expect((await call("/api/v1/tickets/abc", { token: admin.token })).status).toBe(400);
    expect((await call("/api/v1/tickets/999999", { token: admin.token })).status).toBe(404);
  });
});
