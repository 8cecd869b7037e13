import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { createApp } from "../../src/app";
import { coalescingAcrossRequests, coalescingBatches } from "../../src/db/coalesced-batch";
import { BASE, count, createQueue, createTelegramAccount, SECRET_TOKEN, telegramUpdate } from "../helpers/hub";
import { meteredBatches } from "../helpers/d1-trips";

const app = createApp();

beforeAll(async () => {
  await env.DB.prepare("CREATE TABLE IF NOT EXISTS coalesce_probe (id INTEGER PRIMARY KEY, label TEXT NOT NULL UNIQUE)").run();
});

/** Two statements a caller sends as its own batch: a row in, and that row read back. */
const insertAndRead = (db: D1Database, label: string) => [
  db.prepare("INSERT INTO coalesce_probe (label) VALUES (?1) RETURNING label").bind(label),
  db.prepare("SELECT count(*) AS n FROM coalesce_probe WHERE label = ?1").bind(label),
];

const labels = async (prefix: string) =>
  (await env.DB.prepare("SELECT label FROM coalesce_probe WHERE label LIKE ?1 ORDER BY id").bind(`${prefix}%`).all<{ label: string }>()).results.map((r) => r.label);

describe("D1 batches asked for while one is on its way travel together", () => {
  it("a lone batch leaves at once, in one round trip of its own", async () => {
    const metered = meteredBatches();
    const db = coalescingBatches(metered.DB);
    const [inserted, read] = await db.batch(insertAndRead(db, "lone-Çağrı"));
    expect(inserted!.results).toEqual([{ label: "lone-Çağrı" }]);
    expect(read!.results).toEqual([{ n: 1 }]);
    expect(metered.totals).toMatchObject({ batches: 1, statements: 2 });
  });

  it("six batches at once take two round trips, and each caller gets exactly its own results", async () => {
    const metered = meteredBatches();
    const db = coalescingBatches(metered.DB);
    const names = ["şeker 🍬", "ağaç 🌳", "müşteri 👋", "ıhlamur", "straße", "mañana"].map((n) => `six-${n}`);
    const answers = await Promise.all(names.map((n) => db.batch(insertAndRead(db, n))));
    // The first leaves alone; the five asked for while it was on its way go as one.
    expect(metered.totals).toMatchObject({ batches: 2, statements: 12 });
    answers.forEach((results, i) => {
      expect(results).toHaveLength(2);
      expect(results[0]!.results).toEqual([{ label: names[i] }]);
      expect(results[1]!.results).toEqual([{ n: 1 }]);
    });
    expect(await labels("six-")).toEqual(names);
  });

  it("a batch that fails in company fails alone: the others are stored, none of its statements is", async () => {
    const metered = meteredBatches();
    const db = coalescingBatches(metered.DB);
    await db.batch(insertAndRead(db, "dup-taken"));
    const first = db.batch(insertAndRead(db, "dup-first"));
    const together = [
      db.batch(insertAndRead(db, "dup-a")),
      // Its second row breaks the unique label, so its first row must not stay either.
      db.batch([db.prepare("INSERT INTO coalesce_probe (label) VALUES ('dup-lost')"), db.prepare("INSERT INTO coalesce_probe (label) VALUES ('dup-taken')")]),
      db.batch(insertAndRead(db, "dup-b")),
    ];
    await first;
    const settled = await Promise.allSettled(together);
    expect(settled.map((s) => s.status)).toEqual(["fulfilled", "rejected", "fulfilled"]);
    expect(String((settled[1] as PromiseRejectedResult).reason)).toMatch(/UNIQUE constraint failed/);
    expect(await labels("dup-")).toEqual(["dup-taken", "dup-first", "dup-a", "dup-b"]);
  });

  it("a batch of more statements than a round trip carries goes on its own", async () => {
    const metered = meteredBatches();
    const db = coalescingBatches(metered.DB);
    const big = Array.from({ length: 120 }, (_, i) => db.prepare("INSERT INTO coalesce_probe (label) VALUES (?1)").bind(`big-${i}`));
    await Promise.all([db.batch(insertAndRead(db, "big-before")), db.batch(big), db.batch(insertAndRead(db, "big-after"))]);
    expect(metered.totals.batches).toBe(3);
    expect(await count("coalesce_probe", "label LIKE 'big-%'")).toBe(122);
  });
});

describe("webhooks stored at the same moment share a round trip", () => {
  it("eight customers writing at once: every message stored once, in fewer round trips than webhooks", async () => {
    const queueId = await createQueue();
    const account = await createTelegramAccount(queueId);
    const metered = meteredBatches();
    const texts = ["Merhaba 👋", "Siparişim nerede? 📦", "Здравствуйте", "こんにちは", "¿Dónde está mi pedido?", "مرحبا", "Grüß Gott", "İade istiyorum 🔁"];
    const exec = createExecutionContext();
    const answers = await Promise.all(
      texts.map((text, i) =>
        app.fetch(
          new Request(`${BASE}/webhooks/telegram/${account.key}`, {
            method: "POST",
            headers: { "Content-Type": "application/json", "X-Telegram-Bot-Api-Secret-Token": SECRET_TOKEN },
            body: JSON.stringify(telegramUpdate({ updateId: 9_300_000 + i, userId: 9_300_100 + i, messageId: 1, text })),
          }),
          { ...env, DB: metered.DB },
          exec,
        ),
      ),
    );
    await waitOnExecutionContext(exec);
    expect(answers.map((r) => r.status)).toEqual(texts.map(() => 200));
    for (const text of texts) expect(await count("messages", "account_id = ?1 AND body = ?2 AND direction = 'in'", account.id, text)).toBe(1);
    expect(await count("tickets", "account_id = ?1", account.id)).toBe(8);
    expect(metered.totals.batches).toBeLessThan(texts.length);
  });

  it("one isolate's requests share one coalescer per database", async () => {
    const metered = meteredBatches();
    const a = coalescingAcrossRequests(metered.DB, createExecutionContext());
    const b = coalescingAcrossRequests(metered.DB, createExecutionContext());
    await Promise.all([a.batch(insertAndRead(a, "req-1")), b.batch(insertAndRead(b, "req-2")), a.batch(insertAndRead(a, "req-3"))]);
    expect(metered.totals.batches).toBe(2);
    expect(await labels("req-")).toEqual(["req-1", "req-2", "req-3"]);
  });
});
