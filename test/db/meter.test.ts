import { env, exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { D1_METER_PATH, d1MeterReading, meterD1, type D1MeterTotals } from "../../src/db/meter";

const on = { DB: env.DB, D1_METER: "on" };
const read = async (): Promise<D1MeterTotals> => {
  const res = d1MeterReading(new Request(`https://hub.example.test${D1_METER_PATH}`), on);
  if (!res) throw new Error("the meter did not answer");
  return res.json();
};

describe("D1 meter", () => {
  it("is off unless D1_METER is on: no route, and the Worker answers 404 there", async () => {
    expect(d1MeterReading(new Request(`https://hub.example.test${D1_METER_PATH}`), env)).toBeUndefined();
    const res = await exports.default.fetch(`https://hub.example.test${D1_METER_PATH}`);
    expect(res.status).toBe(404);
  });

  it("counts one round trip per call or batch, and the rows D1 reports, for every method", async () => {
    meterD1(on);
    const before = await read();
    expect(before.available).toBe(true);

    await env.DB.batch([
      env.DB.prepare("INSERT INTO queues (id, name, routing) VALUES (?1, ?2, '{}')").bind("q-meter-1", "Meter 1"),
      env.DB.prepare("INSERT INTO queues (id, name, routing) VALUES (?1, ?2, '{}')").bind("q-meter-2", "Meter 2"),
    ]);
    const first = await env.DB.prepare("SELECT name FROM queues WHERE id = ?1").bind("q-meter-1").first<{ name: string }>();
    const raw = await env.DB.prepare("SELECT id FROM queues WHERE id LIKE 'q-meter-%' ORDER BY id").raw();
    await env.DB.prepare("UPDATE queues SET name = 'Meter' WHERE id = ?1").bind("q-meter-2").run();
    const all = await env.DB.prepare("SELECT id FROM queues WHERE id = 'q-meter-2'").all();

    // The results are what D1 answers without the meter.
    expect(first?.name).toBe("Meter 1");
    expect(raw).toEqual([["q-meter-1"], ["q-meter-2"]]);
    expect(all.results).toEqual([{ id: "q-meter-2" }]);

    const after = await read();
    expect(after.roundTrips - before.roundTrips).toBe(5);
    expect(after.statements - before.statements).toBe(6);
    expect(after.rowsWritten - before.rowsWritten).toBeGreaterThanOrEqual(3);
    expect(after.rowsRead - before.rowsRead).toBeGreaterThanOrEqual(4);
  });

  it("hooks a binding once however often it is met", async () => {
    meterD1(on);
    meterD1(on);
    const before = await read();
    await env.DB.prepare("SELECT 1").first();
    expect((await read()).roundTrips - before.roundTrips).toBe(1);
  });
});
