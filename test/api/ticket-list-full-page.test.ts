import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { call, seedAccount, seedQueue, seedTicket, seedUser, type SeededUser } from "../helpers/api";

// A full page (limit=100) whose tickets are far apart and held by a hundred different agents:
// more values than D1 binds to one statement, so the page's names and read marks are looked up in parts.

const PAGE = 100;
let admin: SeededUser;
let queue = "";
const held = new Map<number, string>();
let newest = 0;

beforeAll(async () => {
  admin = await seedUser("admin");
  queue = await seedQueue();
  const other = await seedQueue();
  const account = (await seedAccount(queue)).id;
  const otherAccount = (await seedAccount(other)).id;
  const agents = await Promise.all(Array.from({ length: PAGE + 5 }, () => seedUser("agent", { queues: [queue] })));
  for (const [i, agent] of agents.entries()) {
    const ticket = await seedTicket(account, queue, ["Merhaba 👋"]);
    await env.DB.prepare("UPDATE tickets SET status = 'assigned', assignee_id = ?1 WHERE id = ?2").bind(agent.id, ticket.ticketId).run();
    held.set(ticket.ticketId, agent.id);
    // Two tickets of another queue between each two of this one: the page's ids are sparse.
    if (i < PAGE + 4) for (let k = 0; k < 2; k++) await seedTicket(otherAccount, other, ["x"]);
  }
  newest = [...held.keys()].at(-1)!;
  const last = await env.DB.prepare("SELECT max(id) AS id FROM messages WHERE ticket_id = ?1").bind(newest).first<{ id: number }>();
  const read = await call(`/api/v1/tickets/${newest}/read`, { token: admin.token, method: "POST", json: { messageId: last!.id } });
  expect(read.status).toBe(200);
});

describe("a full page of the ticket list", () => {
  it("returns a hundred tickets, each with its agent's name, past D1's limit of bound values", async () => {
    const res = await call(`/api/v1/tickets?queueId=${queue}&limit=${PAGE}`, { token: admin.token });
    expect(res.status).toBe(200);
    const body = res.data as { items: { id: number; assigneeId: string; agentName: string | null; unread: number }[]; nextCursor: number | null };
    expect(body.items).toHaveLength(PAGE);
    expect(body.nextCursor).not.toBeNull();
    for (const item of body.items) {
      expect(item.assigneeId).toBe(held.get(item.id));
      expect(item.agentName).toMatch(/^agent /);
      expect(item.unread).toBe(item.id === newest ? 0 : 1);
    }
  });
});
