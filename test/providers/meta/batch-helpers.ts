import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { createApp } from "../../../src/app";
import type { Env } from "../../../src/env";
import { BASE } from "../../helpers/hub";
import { IG, signatureOf } from "./helpers";

/** Meta's bodies escape every non-ASCII character (`\u00fc`, `\ud83d\udce6`): so do these. */
export const metaEscaped = (json: string) => json.replace(/[\u007f-\uffff]/g, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, "0")}`);

const TEXTS = [
  "Merhaba, siparişim nerede? 📦",
  "Grüße aus München 🥨, ist das Kleid noch verfügbar?",
  "Привет! Где мой заказ? 🚚",
  "こんにちは、注文の件です 🙏",
  "مرحبا، أين طلبي؟ 🌙",
  "Ça marche très bien, merci ! 👍🏽",
];

export type BatchEvent = { igsid: string; mid: string; text: string; timestamp: number; attachments?: { type: string; payload: { url: string; title?: string } }[] };

/**
 * `n` customer messages from `customers`, one after another in time, every tenth with an image and
 * a voice note, every twenty-fifth a shared reel; Meta's shape, spread over four entries of the
 * account and sent out of order (each entry newest first).
 */
export function customerBatch(customers: string[], n: number, start = 1_763_700_000_000, ig = IG) {
  const events: BatchEvent[] = Array.from({ length: n }, (_, i) => {
    const attachments =
      i % 25 === 24
        ? [{ type: "ig_reel", payload: { url: `https://lookaside.fbsbx.com/ig_messaging_cdn/?asset_id=1790000000${i}&signature=Reel`, title: "Yeni sezon 👗" } }]
        : i % 10 === 9
          ? [
              { type: "image", payload: { url: `https://lookaside.fbsbx.com/ig_messaging_cdn/?asset_id=1780000000${i}&signature=Img` } },
              { type: "audio", payload: { url: `https://lookaside.fbsbx.com/ig_messaging_cdn/?asset_id=1770000000${i}&signature=Aud` } },
            ]
          : undefined;
    return {
      igsid: customers[i % customers.length]!,
      mid: `aWdfZAG1faXRlbToxOklHTWVzc2FnZAUlEOjE3ODQxNDAwMDA4NDYwMDU2OjM0MDI4Mj${crypto.randomUUID().replaceAll("-", "")}${i}ZDZD`,
      text: `${TEXTS[i % TEXTS.length]} #${i}`,
      timestamp: start + i * 7,
      attachments,
    };
  });
  const entries = [0, 1, 2, 3].map((k) => ({
    id: ig,
    time: start + n * 7,
    messaging: events
      .filter((_, i) => i % 4 === k)
      .reverse()
      .map((e) => ({ sender: { id: e.igsid }, recipient: { id: ig }, timestamp: e.timestamp, message: { mid: e.mid, text: e.text, ...(e.attachments ? { attachments: e.attachments } : {}) } })),
  }));
  return { events, body: { object: "instagram", entry: entries } };
}

export type D1Counts = { calls: number; batches: number; statements: number; rowsWritten: number };

/**
 * The D1 binding, counting what reaches D1: every call (a query or a batch: one round trip each),
 * the statements in them, and the rows D1 reports written.
 */
export function countingD1(d1: D1Database): { db: D1Database; counts: D1Counts } {
  const counts: D1Counts = { calls: 0, batches: 0, statements: 0, rowsWritten: 0 };
  const real = new WeakMap<object, D1PreparedStatement>();
  const written = (r: unknown) => (counts.rowsWritten += (r as D1Result | null)?.meta?.rows_written ?? 0);
  const wrap = (stmt: D1PreparedStatement): D1PreparedStatement => {
    const wrapped = {
      bind: (...values: unknown[]) => wrap(stmt.bind(...values)),
      first: (col?: string) => (counts.calls++, counts.statements++, col === undefined ? stmt.first() : stmt.first(col)),
      all: async () => {
        counts.calls++;
        counts.statements++;
        const r = await stmt.all();
        written(r);
        return r;
      },
      run: async () => {
        counts.calls++;
        counts.statements++;
        const r = await stmt.run();
        written(r);
        return r;
      },
      raw: (o?: { columnNames?: boolean }) => (counts.calls++, counts.statements++, stmt.raw(o as { columnNames: true })),
    } as unknown as D1PreparedStatement;
    real.set(wrapped, stmt);
    return wrapped;
  };
  const db = {
    prepare: (query: string) => wrap(d1.prepare(query)),
    batch: async (statements: D1PreparedStatement[]) => {
      counts.calls++;
      counts.batches++;
      counts.statements += statements.length;
      const results = await d1.batch(statements.map((s) => real.get(s) ?? s));
      results.forEach(written);
      return results;
    },
    exec: (q: string) => d1.exec(q),
    withSession: () => db,
    dump: () => d1.dump(),
  } as unknown as D1Database;
  return { db, counts };
}

const app = createApp();

/**
 * POSTs a body signed as Meta signs it to a receive URL through the hub's app with these bindings,
 * and waits for what the request left running after its answer (the routing).
 */
export async function postMetaWith(bindings: Partial<Env>, key: string, raw: string, secret?: string) {
  const exec = createExecutionContext();
  const res = await app.request(
    `${BASE}/webhooks/meta/${key}`,
    { method: "POST", headers: { "Content-Type": "application/json", "X-Hub-Signature-256": await signatureOf(raw, secret) }, body: raw },
    { ...(env as unknown as Env), ...bindings },
    exec,
  );
  const answeredAt = Date.now();
  const body = await res.text();
  return { res, body, answeredAt, routed: () => waitOnExecutionContext(exec) };
}
