import { describe, expect, it } from "vitest";
import { call, countRows, seedAccount, seedTicket, seedWorld } from "../helpers/api";

// Every list route refuses query parameters it does not know: a misspelt or not (yet) supported
// filter must not answer 200 with everything.

type World = Awaited<ReturnType<typeof seedWorld>>;

const listRoutes: { name: string; path: (w: World) => string; known: string }[] = [
  { name: "tickets", path: () => "/api/v1/tickets", known: "status=open&limit=5" },
  { name: "accounts", path: () => "/api/v1/accounts", known: "" },
  { name: "queues", path: () => "/api/v1/queues", known: "" },
  { name: "queue members", path: (w) => `/api/v1/queues/${w.queueId}/members`, known: "" },
  { name: "users", path: () => "/api/v1/users", known: "" },
  { name: "canned answers", path: () => "/api/v1/canned-answers", known: "scope=global" },
  { name: "audit", path: () => "/api/v1/audit", known: "entityType=queue&limit=10" },
];

describe("list routes and query parameters", () => {
  it.each(listRoutes)("GET $name refuses an unknown parameter by name and still takes its own", async ({ path, known }) => {
    const world = await seedWorld();
    const url = path(world);

    const refused = await call(`${url}?assignee=${world.agent.id}&sırala=yeni%20%F0%9F%86%95`, { token: world.admin.token });
    expect(refused.status).toBe(400);
    expect(refused.data.error.code).toBe("validation_failed");
    expect(refused.data.error.details.map((d: { path: string }) => d.path)).toEqual(["assignee", "sırala"]);
    expect(refused.data.error.details[0].message).toMatch(/^Unknown query parameter/);

    expect((await call(known ? `${url}?${known}` : url, { token: world.admin.token })).status).toBe(200);
  });

  it("GET /tickets with a misspelt filter (assignee=…) does not answer every ticket", async () => {
    const { admin, agent, queueId } = await seedWorld();
    const account = await seedAccount(queueId);
    await seedTicket(account.id, queueId, ["Merhaba 👋", "Siparişim nerede? 📦"]);
    expect(await countRows("tickets", "account_id = ?1", account.id)).toBe(1);

    const res = await call(`/api/v1/tickets?assignee=${agent.id}`, { token: admin.token });
    expect(res.status).toBe(400);
    expect(res.data).toEqual({
      error: {
        code: "validation_failed",
        message: "The request does not match the schema",
        details: [
          {
            path: "assignee",
            message:
              "Unknown query parameter; this route takes accountId, queueId, provider, status, assigneeId, unread, tags, tagsMatch, disposition, contactId, createdFrom, createdTo, closedFrom, closedTo, q, cursor, limit",
          },
        ],
      },
    });
    const listed = await call(`/api/v1/tickets?queueId=${queueId}`, { token: admin.token });
    expect(listed.status).toBe(200);
    expect(listed.data.items).toHaveLength(1);
  });

  it("a route that takes no parameters says so, and a bad token is still 401 first", async () => {
    const { admin } = await seedWorld();
    const res = await call("/api/v1/queues?name=Destek", { token: admin.token });
    expect(res.status).toBe(400);
    expect(res.data.error.details).toEqual([{ path: "name", message: "Unknown query parameter; this route takes none" }]);
    expect((await call("/api/v1/queues?name=Destek", { token: "not-a-token" })).status).toBe(401);
  });
});
