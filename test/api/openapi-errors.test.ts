import { describe, expect, it } from "vitest";
import { errorCodes } from "../../src/routes/openapi/error-codes";
import { call } from "../helpers/api";

// The codes the hub raises, read from the source: the literal code of every `ApiError(status, "code"`
// and `errorBody("code"`; a call whose code is not a literal must be one of the known ones below,
// whose codes are read where they come from.
const sources = import.meta.glob<string>("../../src/**/*.ts", { query: "?raw", import: "default", eager: true });
const files = Object.entries(sources).map(([path, text]) => [path.replace("../../src/", ""), text] as const);

const indirect: Record<string, (file: (name: string) => string) => string[]> = {
  // app.ts renders an ApiError with its own code, and Hono's errors through httpErrorCode.
  "app.ts: errorBody(err.code": () => [],
  "app.ts: errorBody(httpErrorCode(err": (file) => [.../function httpErrorCode[\s\S]*?\n\}/.exec(file("app.ts"))![0].matchAll(/"([a-z_]+)"/g)].map((m) => m[1]!),
  "errors.ts: errorBody(code:": () => [], // its definition
  // Closing a ticket: the refusal's code comes from db/tickets.ts.
  "routes/api/tickets.ts: ApiError(400, refused.code": (file) => [.../DispositionRefusal = \{ code: ([^;]+);/.exec(file("db/tickets.ts"))![1]!.matchAll(/"([a-z_]+)"/g)].map((m) => m[1]!),
};

function raisedCodes() {
  const file = (name: string) => files.find(([path]) => path === name)?.[1] ?? "";
  const literal = new Set<string>();
  const unknownSites: string[] = [];
  for (const [path, text] of files) {
    for (const m of text.matchAll(/\b(ApiError\(\s*[^,()]+,|errorBody\()\s*("([a-z_]+)"|[^,)\s]*)/g)) {
      if (m[3]) literal.add(m[3]);
      else {
        const site = `${path}: ${m[1]}${m[2]}`.replace(/\s+/g, "");
        const known = Object.entries(indirect).find(([k]) => k.replace(/\s+/g, "") === site);
        if (known) known[1](file).forEach((c) => literal.add(c));
        else unknownSites.push(site);
      }
    }
  }
  return { codes: literal, unknownSites };
}

describe("OpenAPI document: error codes", () => {
  it("the Error schema's code is an enum of every code the source raises, and of no other", async () => {
    const { codes, unknownSites } = raisedCodes();
    expect(unknownSites, "an error whose code this test cannot read: add it to `indirect`").toEqual([]);
    expect(codes.size).toBeGreaterThan(20);
    const listed = Object.keys(errorCodes);
    expect([...codes].filter((c) => !listed.includes(c)), "raised but not in src/routes/openapi/error-codes.ts").toEqual([]);
    expect(listed.filter((c) => !codes.has(c)), "listed but raised nowhere").toEqual([]);

    const doc = (await call("/api/openapi.json")).data;
    const code = doc.components.schemas.Error.properties.error.properties.code;
    expect(code.enum).toEqual(listed);
    for (const c of listed) expect(code.description).toContain(`\`${c}\``);
  });

  it("an answer's code is in the enum", async () => {
    const doc = (await call("/api/openapi.json")).data;
    const enumOf = doc.components.schemas.Error.properties.error.properties.code.enum;
    for (const [path, init] of [["/api/v1/queues", {}], ["/api/v1/nothing-here", {}], ["/api/v1/auth/login", { method: "POST", body: "{" }]] as const) {
      const res = await call(path, init);
      expect(res.status).toBeGreaterThanOrEqual(400);
      expect(enumOf).toContain(res.data.error.code);
    }
  });
});
