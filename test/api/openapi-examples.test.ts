import { describe, expect, it } from "vitest";
import type { z } from "zod";
import { adapterFor } from "../../src/providers/registry";
import { providerKinds, type ProviderKind } from "../../src/providers/types";
import { apiRoutes } from "../../src/routes/api";
import { errorSchema } from "../../src/routes/api/shared";
import { call } from "../helpers/api";

// Every example in the document is parsed with the zod schema the route itself uses, and must
// parse whole: no issue, and no field the schema would drop.

type RouteDef = { method: string; path: string; request?: { body?: { content: Record<string, { schema: z.ZodType }> } }; responses: Record<string, { content?: Record<string, { schema: z.ZodType }> }> };
const routes = (apiRoutes().openAPIRegistry.definitions as { type: string; route?: RouteDef }[]).flatMap((d) => (d.type === "route" && d.route ? [d.route] : []));
const routeOf = (method: string, path: string) => routes.find((r) => r.method === method && `/api/v1${r.path}` === path);

function droppedKeys(input: unknown, output: unknown, path = ""): string[] {
  if (Array.isArray(input) && Array.isArray(output)) return input.flatMap((v, i) => droppedKeys(v, output[i], `${path}[${i}]`));
  if (!input || typeof input !== "object" || !output || typeof output !== "object") return [];
  return Object.entries(input).flatMap(([k, v]) => (k in output ? droppedKeys(v, (output as Record<string, unknown>)[k], `${path}.${k}`) : [`${path}.${k} is not in the schema`]));
}

function problems(schema: z.ZodType, value: unknown): string[] {
  const parsed = schema.safeParse(value);
  if (!parsed.success) return parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`);
  return droppedKeys(value, parsed.data);
}

type Media = { example?: unknown; examples?: Record<string, { value: unknown }> };
type Op = { requestBody?: { content: Record<string, Media> }; responses: Record<string, { content?: Record<string, Media> }> };

async function operations() {
  const doc = (await call("/api/openapi.json")).data;
  return Object.entries(doc.paths as Record<string, Record<string, Op>>)
    .filter(([path]) => path.startsWith("/api/v1/"))
    .flatMap(([path, item]) => Object.entries(item).map(([method, op]) => ({ method, path, op })));
}

describe("OpenAPI document: examples", () => {
  it("every JSON request body has an example, and each parses with the route's schema", async () => {
    const ops = await operations();
    let checked = 0;
    for (const { method, path, op } of ops) {
      const media = op.requestBody?.content["application/json"];
      if (!media) continue;
      const where = `${method.toUpperCase()} ${path}`;
      const values = media.examples ? Object.values(media.examples).map((e) => e.value) : [media.example];
      expect(values.every((v) => v !== undefined), `${where} has an example (src/routes/openapi/examples.ts)`).toBe(true);
      const schema = routeOf(method, path)?.request?.body?.content["application/json"]?.schema;
      expect(schema, where).toBeDefined();
      for (const value of values) {
        expect(problems(schema!, value), where).toEqual([]);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(20);
  });

  it("creating an account has an example per provider, whose settings and credentials parse with the provider's schemas", async () => {
    const op = (await operations()).find((o) => o.method === "post" && o.path === "/api/v1/accounts")!.op;
    const examples = Object.values(op.requestBody!.content["application/json"]!.examples!).map((e) => e.value as { provider: ProviderKind; settings?: unknown; credentials?: Record<string, unknown> });
    expect(examples.map((e) => e.provider).sort()).toEqual([...providerKinds].sort());
    for (const e of examples) {
      const adapter = adapterFor(e.provider)!;
      expect(problems(adapter.settingsSchema, e.settings ?? {}), `${e.provider} settings`).toEqual([]);
      expect(problems(adapter.credentialsSchema, { ...adapter.generatedCredentials?.(), ...e.credentials }), `${e.provider} credentials`).toEqual([]);
    }
  });

  it("the main views have response examples, and each parses with the route's response schema", async () => {
    const ops = await operations();
    const withExample = new Set<string>();
    for (const { method, path, op } of ops) {
      for (const [status, response] of Object.entries(op.responses)) {
        const media = response.content?.["application/json"];
        if (media?.example === undefined) continue;
        const where = `${method.toUpperCase()} ${path} ${status}`;
        const schema = Number(status) >= 400 ? errorSchema : routeOf(method, path)?.responses[status]?.content?.["application/json"]?.schema;
        expect(schema, where).toBeDefined();
        expect(problems(schema!, media.example), where).toEqual([]);
        withExample.add(where);
      }
    }
    expect([...withExample]).toEqual(
      expect.arrayContaining([
        "POST /api/v1/auth/login 200",
        "GET /api/v1/me 200",
        "GET /api/v1/queues 200",
        "GET /api/v1/queues/{id} 200",
        "GET /api/v1/users/{id} 200",
        "GET /api/v1/accounts 200",
        "GET /api/v1/accounts/{id} 200",
        "POST /api/v1/accounts 201",
        "GET /api/v1/tickets 200",
        "GET /api/v1/tickets/{id} 200",
        "GET /api/v1/canned-answers/{id} 200",
        "GET /api/v1/audit 200",
        "GET /api/v1/queues/{id}/stats 200",
        "GET /api/v1/reports 200",
        "GET /api/v1/templates/{id} 200",
        "POST /api/v1/templates/preview 200",
        "POST /api/v1/queues 400",
        "GET /api/v1/queues/{id} 404",
      ]),
    );
  });
});
