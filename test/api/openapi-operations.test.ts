import { describe, expect, it } from "vitest";
import { providerKinds } from "../../src/providers/types";
import { operationIds } from "../../src/routes/openapi/operation-ids";
import { call } from "../helpers/api";

type Op = { operationId?: string; tags?: string[]; security?: unknown[]; parameters?: { name: string; in: string; deprecated?: boolean; required?: boolean }[]; responses: Record<string, unknown> };

async function documentOps() {
  const doc = (await call("/api/openapi.json")).data;
  const ops = Object.entries(doc.paths as Record<string, Record<string, Op>>).flatMap(([path, item]) =>
    Object.entries(item)
      .filter(([method]) => ["get", "put", "post", "patch", "delete"].includes(method))
      .map(([method, op]) => ({ key: `${method.toUpperCase()} ${path}`, op })),
  );
  return { doc, ops };
}

describe("OpenAPI document: operations", () => {
  it("names every operation from the one map: camelCase, a verb first, unique, and no name for a route that is gone", async () => {
    const { ops } = await documentOps();
    expect(ops.length).toBeGreaterThan(60);
    const unnamed = ops.filter(({ op }) => !op.operationId).map(({ key }) => key);
    expect(unnamed, "add these to src/routes/openapi/operation-ids.ts").toEqual([]);
    for (const { key, op } of ops) {
      expect(op.operationId, key).toBe(operationIds[key]);
      expect(op.operationId, key).toMatch(/^(list|get|create|update|delete|set|add|remove|join|leave|login|logout|activate|register|search|mark|close|export|erase|receive|verify|open|preview)([A-Z][A-Za-z0-9]*)?$/);
    }
    const ids = ops.map(({ op }) => op.operationId);
    expect(new Set(ids).size).toBe(ids.length);
    const stale = Object.keys(operationIds).filter((key) => !ops.some((o) => o.key === key));
    expect(stale, "names of operations the document does not have").toEqual([]);
  });

  it("has servers (this origin, and a deployment's host), bearer auth for everything but login, the receive URLs and the sockets", async () => {
    const { doc, ops } = await documentOps();
    expect(doc.servers[0].url).toBe("/");
    expect(doc.servers[1].url).toBe("https://{host}");
    expect(doc.servers[1].variables.host.default).toMatch(/\./);
    expect(doc.security).toEqual([{ bearerAuth: [] }]);
    expect(doc.components.securitySchemes.bearerAuth).toMatchObject({ type: "http", scheme: "bearer" });
    expect(doc.paths["/api/v1/auth/login"].post.security).toEqual([]);
    const api = ops.filter(({ key }) => key.includes(" /api/v1/") && key !== "POST /api/v1/auth/login");
    for (const { key, op } of api) expect(op.security, key).toEqual([{ bearerAuth: [] }]);

    const webhooks = ops.filter(({ op }) => op.tags?.includes("webhooks"));
    expect(webhooks.map((w) => w.key).sort()).toEqual([...providerKinds.map((k) => `POST /webhooks/${k}/{key}`), "GET /webhooks/meta/{key}"].sort());
    for (const { key, op } of webhooks) {
      expect(op.security, key).toEqual([]);
      expect(Object.keys(op.responses), key).toEqual(expect.arrayContaining(key.startsWith("POST") ? ["200", "401", "404", "413", "429"] : ["200", "403", "404"]));
      expect(op.parameters?.find((p) => p.in === "path")?.name, key).toBe("key");
    }
    const signature = (kind: string) => doc.paths[`/webhooks/${kind}/{key}`].post.parameters.filter((p: { in: string }) => p.in === "header").map((p: { name: string }) => p.name);
    expect(signature("telegram")).toEqual(["X-Telegram-Bot-Api-Secret-Token"]);
    expect(signature("meta")).toEqual(["X-Hub-Signature-256"]);
    expect(signature("twilio")).toEqual(["X-Twilio-Signature"]);
    expect(signature("connexease")).toEqual(["X-Connexease-Webhook-Sign"]);
    expect(signature("sinch")).toContain("x-sinch-webhook-signature-nonce");
    expect(signature("custom")).toEqual(["Authorization"]);
    expect(doc.paths["/webhooks/meta/{key}"].get.parameters.map((p: { name: string }) => p.name)).toEqual(["key", "hub.mode", "hub.verify_token", "hub.challenge"]);
    expect(Object.keys(doc.paths["/webhooks/twilio/{key}"].post.requestBody.content)).toEqual(["application/x-www-form-urlencoded"]);

    for (const path of ["/agent/ws", "/supervisor/ws"]) {
      const op = doc.paths[path].get;
      expect(op.tags).toEqual(["sockets"]);
      expect(op.security).toEqual([{ socketTicket: [] }, { bearerAuth: [] }]);
      expect(Object.keys(op.responses)).toEqual(expect.arrayContaining(["101", "401", "403", "426"]));
      expect(op.parameters.find((p: { name: string }) => p.name === "access_token").deprecated).toBe(true);
      expect(op.description).toContain("docs/agent-protocol.md");
      expect(op.description).toMatch(/4004/);
    }
    expect(doc.components.securitySchemes.socketTicket).toMatchObject({ type: "apiKey", in: "query", name: "ticket" });
    const tagNames = doc.tags.map((t: { name: string }) => t.name);
    for (const { key, op } of ops) expect(tagNames, `${key}'s tag is described`).toContain(op.tags?.[0]);
  });
});
