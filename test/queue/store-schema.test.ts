import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { migrate } from "../../src/queue/store/schema";
import { TicketsTable } from "../../src/queue/store/tickets";
import { queueStub } from "../helpers/hub";

// Queue objects outlive deploys: an object whose offers and ring attempts were rows of their own
// tables keeps them when its schema moves them onto the tickets' rows.

const view = (id: number) => JSON.stringify({ id, accountId: "acc", accountName: "Acc", provider: "telegram", contact: { id, name: `C${id}`, username: null }, subject: null, createdAt: 1 });

describe("the queue object's schema", () => {
  it("moves a ticket's offers and attempts from their tables onto its row, and reads them back", async () => {
    const stub = queueStub(`schema-${crypto.randomUUID()}`);
    await runInDurableObject(stub, (_o, state) => {
      const sql = state.storage.sql;
      // The schema as it was: offers and ring_attempts as tables, the version before the move.
      const version = sql.exec<{ version: number }>("SELECT version FROM schema_version").one().version;
      sql.exec("DELETE FROM tickets");
      sql.exec("ALTER TABLE tickets DROP COLUMN offered");
      sql.exec("ALTER TABLE tickets DROP COLUMN tried");
      sql.exec("CREATE TABLE offers (ticket_id INTEGER NOT NULL, agent_id TEXT NOT NULL, PRIMARY KEY (ticket_id, agent_id))");
      sql.exec("CREATE TABLE ring_attempts (ticket_id INTEGER NOT NULL, agent_id TEXT NOT NULL, PRIMARY KEY (ticket_id, agent_id))");
      sql.exec("UPDATE schema_version SET version = ?", version - 1);
      sql.exec("INSERT INTO tickets (id, view, state, enqueued_at) VALUES (1, ?, 'offered', 10), (2, ?, 'waiting', 20), (3, ?, 'assigned', 30)", view(1), view(2), view(3));
      sql.exec("INSERT INTO offers (ticket_id, agent_id) VALUES (1, 'b'), (1, 'a')");
      sql.exec("INSERT INTO ring_attempts (ticket_id, agent_id) VALUES (1, 'a'), (1, 'b'), (1, 'c'), (2, 'c')");

      migrate(sql);

      const tables = sql.exec<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' AND name IN ('offers', 'ring_attempts')").toArray();
      expect(tables).toEqual([]);
      const tickets = new TicketsTable(sql);
      expect(tickets.offerees(1)).toEqual(["a", "b"]);
      expect([...tickets.attempted(1)].sort()).toEqual(["a", "b", "c"]);
      expect(tickets.offerees(2)).toEqual([]);
      expect([...tickets.attempted(2)]).toEqual(["c"]);
      expect(tickets.offerees(3)).toEqual([]);
      expect(tickets.attempted(3).size).toBe(0);
      expect(tickets.offeredTo("a").map((t) => t.id)).toEqual([1]);
    });
  });

  it("keeps an offer, a decline and an accept on the ticket's row, one statement each", async () => {
    const stub = queueStub(`schema-${crypto.randomUUID()}`);
    await runInDurableObject(stub, (_o, state) => {
      const sql = state.storage.sql;
      sql.exec("DELETE FROM tickets");
      const tickets = new TicketsTable(sql);
      tickets.enqueue(JSON.parse(view(7)), "hi", 5);
      const exec = sql.exec.bind(sql);
      let statements = 0;
      (sql as { exec: typeof sql.exec }).exec = ((query: string, ...bindings: SqlStorageValue[]) => {
        statements++;
        return exec(query, ...bindings);
      }) as typeof sql.exec;
      try {
        tickets.offer(7, ["x", "y"], 100);
        expect(statements).toBe(1);
        expect(tickets.dropOffer(7, "x")).toBe(true);
        tickets.assign(7, "y");
        expect(statements).toBe(3);
      } finally {
        (sql as { exec: typeof sql.exec }).exec = exec;
      }
      const row = sql.exec<{ offered: string | null; tried: string | null; state: string }>("SELECT offered, tried, state FROM tickets WHERE id = 7").one();
      expect(row).toEqual({ offered: null, tried: null, state: "assigned" });
      // Read back after a wake, between the offer and the accept.
      tickets.requeue(7);
      tickets.offer(7, ["z"], 200);
      const woken = new TicketsTable(sql);
      expect(woken.offerees(7)).toEqual(["z"]);
      expect([...woken.attempted(7)]).toEqual(["z"]);
    });
  });
});
