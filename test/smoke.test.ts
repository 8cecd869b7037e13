import { env, exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";

describe("smoke", () => {
  it("answers /healthz and has the schema", async () => {
    const res = await exports.default.fetch("https://hub.example.test/healthz");
    expect(res.status).toBe(200);
    const row = await env.DB.prepare("select count(*) as n from tickets").first<{ n: number }>();
    expect(row?.n).toBe(0);
  });
});
