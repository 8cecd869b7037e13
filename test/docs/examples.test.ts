import { describe, expect, it } from "vitest";
import type { z } from "zod";
import readme from "../../README.md?raw";
import checkNode from "../../scripts/check-node.mjs?raw";
import startScript from "../../scripts/start.mjs?raw";
import pkg from "../../package.json";
import { chatbotAnswerSchema, chatbotRequestSchema } from "../../src/automations/chatbot";
import { conversationSettingsSchema } from "../../src/domain/conversation-settings";
import { routingConfigSchema, translationConfigSchema } from "../../src/domain/routing-config";
import { adapterFor } from "../../src/providers/registry";
import { acknowledgeCustom } from "../../src/providers/custom";
import { normalizeCustomBatch } from "../../src/providers/custom/normalize";
import { sendAnswerSchema } from "../../src/providers/custom/schema";
import { outboundPayload } from "../../src/providers/custom/send";
import { sendBody as sinchSendBody } from "../../src/providers/sinch/send";
import type { ProviderKind } from "../../src/providers/types";
import { clientFrameSchema, queueStateSchema, sequencedFrameSchema, supervisorFrameSchema, supervisorServerFrameSchema } from "../../src/queue/protocol";
import { replyWindowViewSchema } from "../../src/kinds/views";
import { apiRoutes } from "../../src/routes/api";
import { errorSchema } from "../../src/routes/api/shared";

// Every JSON example in docs/ and the README is checked against the schema it shows, so the docs
// cannot drift from the code. Which schema: a marker comment right above the block,
// `<!-- schema: NAME -->` (the names are the keys of `named` below, an API operation
// `POST /api/v1/queues` for its request body or `GET /api/v1/tickets/{id} 200` for a response, or
// `none: why` for an example no schema describes); else an `http` block's request line names its
// route, and an agent-socket frame is known by its `type` (with `seq`: a frame the hub sends). An
// example none of these place fails the test.

const docs = import.meta.glob<string>("../../docs/**/*.md", { query: "?raw", import: "default", eager: true });
const files: [string, string][] = [["README.md", readme], ...Object.entries(docs).map(([path, text]) => [path.replace("../../", ""), text] as [string, string])];

type Example = { where: string; lang: string; marker: string | null; requestLine: string | null; values: unknown[]; invalid?: string };
type Verdict = string[]; // problems; empty when the example fits

/** Fenced blocks whose language is json/jsonc, http with a JSON body, or none with JSON in it. */
function examplesOf(file: string, text: string): Example[] {
  const out: Example[] = [];
  const fence = /^([ \t]*)```(\w*)[^\n]*\n([\s\S]*?)^\1```[ \t]*$/gm;
  for (let m = fence.exec(text); m; m = fence.exec(text)) {
    const [, indent, lang = "", raw = ""] = m;
    const code = raw.split("\n").map((l) => (l.startsWith(indent!) ? l.slice(indent!.length) : l)).join("\n").trim();
    const line = text.slice(0, m.index).split("\n").length;
    const before = text.slice(0, m.index).trimEnd().split("\n");
    const markers: string[] = [];
    for (let i = before.length - 1; i >= 0 && /^\s*<!--.*-->\s*$/.test(before[i]!); i--) markers.push(before[i]!.trim());
    const marker = markers.map((c) => /^<!--\s*schema:\s*(.+?)\s*-->$/.exec(c)?.[1]).find(Boolean) ?? null;
    let body = code;
    let requestLine: string | null = null;
    if (lang === "http") {
      const blank = code.indexOf("\n\n");
      requestLine = code.split("\n")[0]!;
      body = blank < 0 ? "" : code.slice(blank + 2).trim();
      if (!/^[[{]/.test(body)) continue; // no JSON body
    } else if (lang === "" ? !/^[[{]/.test(code) : lang !== "json" && lang !== "jsonc") {
      continue;
    }
    const example: Example = { where: `${file}:${line}`, lang, marker, requestLine, values: [] };
    try {
      example.values = jsonValues(body, lang === "jsonc");
    } catch (err) {
      example.invalid = `not JSON: ${(err as Error).message}`;
    }
    out.push(example);
  }
  return out;
}

/** The JSON values of a block (JSON lines, or several values one after another); `//` comments only in jsonc. */
function jsonValues(code: string, comments: boolean): unknown[] {
  const values: unknown[] = [];
  let depth = 0;
  let inString = false;
  let start = -1;
  let text = "";
  for (let i = 0; i < code.length; i++) {
    const ch = code[i]!;
    if (inString) {
      text += ch;
      if (ch === "\\") text += code[++i] ?? "";
      else if (ch === '"') inString = false;
      continue;
    }
    if (comments && ch === "/" && code[i + 1] === "/") {
      while (i < code.length && code[i] !== "\n") i++;
      continue;
    }
    if (depth === 0 && /\s/.test(ch)) continue;
    if (depth === 0) {
      if (ch !== "{" && ch !== "[") return [...values, JSON.parse(code.slice(i))]; // not an object or array: JSON.parse says what
      start = i;
    }
    text += ch;
    if (ch === '"') inString = true;
    else if (ch === "{" || ch === "[") depth++;
    else if (ch === "}" || ch === "]") depth--;
    if (depth === 0 && start >= 0) {
      values.push(JSON.parse(text));
      text = "";
      start = -1;
    }
  }
  if (text.trim()) values.push(JSON.parse(text)); // not balanced: let JSON.parse say why
  return values;
}

/** Keys of `input` that parsing dropped: fields the schema does not have (zod objects strip unknown keys). */
function droppedKeys(input: unknown, output: unknown, path = ""): string[] {
  if (Array.isArray(input) && Array.isArray(output)) return input.flatMap((v, i) => droppedKeys(v, output[i], `${path}[${i}]`));
  if (!input || typeof input !== "object" || !output || typeof output !== "object" || Array.isArray(input)) return [];
  return Object.entries(input).flatMap(([k, v]) =>
    k in output ? droppedKeys(v, (output as Record<string, unknown>)[k], path ? `${path}.${k}` : k) : [`${path ? `${path}.` : ""}${k} is not in the schema`],
  );
}

type Def = { type: string; shape?: Record<string, z.ZodType>; innerType?: z.ZodType; element?: z.ZodType; valueType?: z.ZodType; options?: z.ZodType[]; in?: z.ZodType; catchall?: z.ZodType; getter?: () => z.ZodType };

/** Keys of `value` no object schema along the way has (for an excerpt, which does not parse whole). */
function unknownKeys(schema: z.ZodType, value: unknown, path = ""): string[] {
  const def = (schema as unknown as { _zod: { def: Def } })._zod.def;
  const inner = def.innerType ?? def.in ?? def.getter?.();
  if (inner) return value === null || value === undefined ? [] : unknownKeys(inner, value, path);
  if (def.type === "array" && Array.isArray(value)) return value.flatMap((v, i) => unknownKeys(def.element!, v, `${path}[${i}]`));
  if (def.type === "record" && value && typeof value === "object") return Object.entries(value).flatMap(([k, v]) => unknownKeys(def.valueType!, v, `${path}.${k}`));
  if (def.type === "union" && def.options) {
    const each = def.options.map((o) => unknownKeys(o, value, path));
    return each.reduce((best, next) => (next.length < best.length ? next : best));
  }
  if (def.type === "object" && def.shape && value && typeof value === "object" && !Array.isArray(value)) {
    return Object.entries(value).flatMap(([k, v]) => {
      const field = def.shape![k];
      if (field) return unknownKeys(field, v, `${path}.${k}`);
      const loose = def.catchall && (def.catchall as unknown as { _zod: { def: Def } })._zod.def.type !== "never";
      return loose ? [] : [`${path.slice(1) ? `${path.slice(1)}.` : ""}${k} is not in the schema`];
    });
  }
  return [];
}

const at = (value: unknown, path: readonly PropertyKey[]) => path.reduce<unknown>((v, k) => (v && typeof v === "object" ? (v as Record<PropertyKey, unknown>)[k] : undefined), value);

/** `excerpt`: the example shows some fields only; those it shows must be right, and known. */
function byZod(schema: z.ZodType, excerpt = false) {
  return (value: unknown): Verdict => {
    const parsed = schema.safeParse(value);
    if (!parsed.success) {
      const issues = excerpt ? parsed.error.issues.filter((i) => at(value, i.path) !== undefined) : parsed.error.issues;
      return [...issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`), ...(excerpt ? unknownKeys(schema, value) : [])];
    }
    return droppedKeys(value, parsed.data);
  };
}

/** For what the hub itself writes: the example has the reference's keys, with values of the same JSON types. */
function sameShape(reference: unknown) {
  const typeOf = (v: unknown) => (v === null ? "null" : Array.isArray(v) ? "array" : typeof v);
  const compare = (ex: unknown, ref: unknown, path: string): string[] => {
    if (typeOf(ex) !== typeOf(ref)) return [`${path || "(root)"}: ${typeOf(ex)} where the hub writes ${typeOf(ref)}`];
    if (Array.isArray(ex) && Array.isArray(ref)) return ref.length === 0 ? [] : ex.flatMap((v, i) => compare(v, ref[0], `${path}[${i}]`));
    if (ex && typeof ex === "object") {
      const e = ex as Record<string, unknown>;
      const r = ref as Record<string, unknown>;
      const missing = Object.keys(r).filter((k) => !(k in e)).map((k) => `${path}.${k}: missing`);
      const extra = Object.keys(e).filter((k) => !(k in r)).map((k) => `${path}.${k}: the hub writes no such field`);
      return [...missing, ...extra, ...Object.keys(r).filter((k) => k in e).flatMap((k) => compare(e[k], r[k], `${path}.${k}`))];
    }
    return [];
  };
  return (value: unknown): Verdict => compare(value, reference, "");
}


const customAck: unknown = await acknowledgeCustom([{ kind: "ignored", eventKey: "typing:1", description: "typing" }]).json();

/** Schemas a marker may name. */
const named: Record<string, (value: unknown) => Verdict> = {
  "client-frame": byZod(clientFrameSchema),
  "server-frame": byZod(sequencedFrameSchema),
  "supervisor-frame": byZod(supervisorFrameSchema),
  "supervisor-server-frame": byZod(supervisorServerFrameSchema),
  "queue-state": byZod(queueStateSchema),
  "reply-window": byZod(replyWindowViewSchema),
  "conversation-settings": byZod(conversationSettingsSchema),
  "routing-config": byZod(routingConfigSchema),
  "translation-config": byZod(translationConfigSchema),
  "chatbot-request": byZod(chatbotRequestSchema),
  "chatbot-answer": byZod(chatbotAnswerSchema),
  error: byZod(errorSchema),
  "webhook:custom": (v) => {
    try {
      normalizeCustomBatch(v);
      return [];
    } catch (err) {
      return [`not a valid batch: ${JSON.stringify((err as { details?: unknown }).details ?? String(err))}`];
    }
  },
  "custom-outbound": (v) => sameShape(outboundPayload({ kind: "text", to: "cust-1", text: "x", messageId: 1 }, 0))(v),
  "custom-challenge": sameShape({ type: "challenge", challenge: "x" }),
  "custom-challenge-answer": sameShape({ challenge: "x" }),
  "custom-send-answer": byZod(sendAnswerSchema),
  // `ignored` is there only when the batch had items the hub ignored.
  "custom-ack": (v) => sameShape(customAck)(v).filter((p) => p !== ".ignored: missing"),
  "sinch-send": sameShape(sinchSendBody({ appId: "a" }, "905321234567", "x")),
};

type RouteDef = { method: string; path: string; request?: { body?: { content: Record<string, { schema: z.ZodType }> } }; responses: Record<string, { content?: Record<string, { schema: z.ZodType }> }> };
const routes = (apiRoutes().openAPIRegistry.definitions as { type: string; route?: RouteDef }[]).flatMap((d) => (d.type === "route" && d.route ? [d.route] : []));

/**
 * `POST /api/v1/accounts` (its request body) or `GET /api/v1/tickets/{id} 200` (that response);
 * `… (excerpt)` for an example that leaves fields out.
 */
function apiSchema(name: string): ((value: unknown) => Verdict) | undefined {
  const m = /^(GET|POST|PUT|PATCH|DELETE) \/api\/v1(\/\S*?)(?: (\d{3}))?( \(excerpt\))?$/.exec(name);
  if (!m) return undefined;
  const [, method, path, status, excerpt] = m;
  const route = routes.find((r) => r.method === method!.toLowerCase() && r.path === path);
  if (!route) return () => [`no API route ${method} /api/v1${path}`];
  const schema = status ? route.responses[status]?.content?.["application/json"]?.schema : route.request?.body?.content["application/json"]?.schema;
  if (!schema) return () => [`${name} has no JSON ${status ? "response" : "request body"}`];
  const check = byZod(schema, Boolean(excerpt));
  if (status || path !== "/accounts" || method !== "POST") return check;
  // The accounts route checks credentials and settings with the provider's own schemas.
  return (value) => {
    const body = value as { provider?: ProviderKind; credentials?: Record<string, unknown>; settings?: unknown };
    const adapter = body.provider ? adapterFor(body.provider) : undefined;
    if (!adapter) return check(value);
    return [
      ...check(value),
      ...byZod(adapter.settingsSchema)(body.settings ?? {}).map((p) => `settings.${p}`),
      ...byZod(adapter.credentialsSchema)({ ...adapter.generatedCredentials?.(), ...body.credentials }).map((p) => `credentials.${p}`),
    ];
  };
}

/** The check an example gets, or why it has none. */
function checkFor(ex: Example, value: unknown): ((value: unknown) => Verdict) | string {
  if (ex.marker) {
    if (/^none\b/.test(ex.marker)) return () => [];
    return named[ex.marker] ?? apiSchema(ex.marker) ?? `unknown schema "${ex.marker}"`;
  }
  if (ex.requestLine) {
    const [method, target] = ex.requestLine.split(/\s+/);
    if (target?.startsWith("/api/v1/")) return apiSchema(`${method} ${target.replace(/\{\w+\}|<[^>]+>/g, (p) => (p.startsWith("{") ? p : "{id}"))}`)!;
    return `no schema for the request "${ex.requestLine}": add <!-- schema: NAME --> above the block`;
  }
  const frame = value as { type?: unknown; seq?: unknown };
  if (frame && typeof frame === "object" && typeof frame.type === "string") {
    if (frame.type === "queue.state") return named["queue-state"]!;
    if ("seq" in frame) return named["server-frame"]!;
    if (supervisorFrameSchema.options.some((o) => o.shape.type.value === frame.type)) return named["supervisor-frame"]!;
    return named["client-frame"]!;
  }
  return "no schema: add <!-- schema: NAME --> above the block (or <!-- schema: none: why --> for an example no schema describes)";
}

const examples = files.flatMap(([file, text]) => examplesOf(file, text));

describe("the JSON examples of the documentation", () => {
  it("finds the examples of every page that has some", () => {
    const pages = new Set(examples.map((e) => e.where.split(":")[0]));
    for (const page of ["docs/agent-protocol.md", "docs/routing.md", "docs/conversations.md", "docs/custom-channel.md", "docs/api.md", "docs/providers/meta.md", "README.md"]) {
      expect(pages, page).toContain(page);
    }
    expect(examples.length).toBeGreaterThan(60);
  });

  it("each example is valid JSON and fits the schema it shows", () => {
    const problems: string[] = [];
    for (const ex of examples) {
      if (ex.invalid) problems.push(`${ex.where}: ${ex.invalid}`);
      ex.values.forEach((value, i) => {
        const where = ex.values.length > 1 ? `${ex.where} (value ${i + 1})` : ex.where;
        const check = checkFor(ex, value);
        if (typeof check === "string") problems.push(`${where}: ${check}`);
        else for (const p of check(value)) problems.push(`${where}: ${p}`);
      });
    }
    expect(problems).toEqual([]);
  });

  it("an example without a schema, or with a wrong field, is caught", () => {
    const [unmarked] = examplesOf("x.md", 'Text.\n\n```json\n{"id":1}\n```\n');
    expect(checkFor(unmarked!, unmarked!.values[0])).toMatch(/^no schema/);
    const [frame] = examplesOf("x.md", '```json\n{"type":"reply","ticketId":1,"text":"Merhaba 👋","clientMsgId":"c1","urgent":true}\n```\n');
    expect((checkFor(frame!, frame!.values[0]) as (v: unknown) => Verdict)(frame!.values[0])).toEqual(["urgent is not in the schema"]);
    const [sent] = examplesOf("x.md", '```json\n{"type":"ticket.taken","ticketId":1436,"seq":55,"takenBy":"6f1c…"}\n```\n');
    expect((checkFor(sent!, sent!.values[0]) as (v: unknown) => Verdict)(sent!.values[0])).toEqual(["takenBy is not in the schema"]);
    const [marked] = examplesOf("x.md", '<!-- schema: GET /api/v1/tickets/{id} 200 -->\n```json\n{"ticket":{}}\n```\n');
    expect((checkFor(marked!, marked!.values[0]) as (v: unknown) => Verdict)(marked!.values[0]).length).toBeGreaterThan(0);
  });
});

describe("the minimum Node version", () => {
  it("README, quickstart, package.json and the start scripts state the same one", () => {
    const engines = /^>=(\d+\.\d+)\.0$/.exec(pkg.engines.node)?.[1];
    expect(engines).toBeDefined();
    const quickstart = files.find(([f]) => f === "docs/quickstart.md")![1];
    for (const [name, text] of [["README.md", readme], ["docs/quickstart.md", quickstart]] as const) {
      const stated = [...text.matchAll(/Node ≥ (\d+\.\d+)/g)].map((m) => m[1]);
      expect(stated.length, name).toBeGreaterThan(0);
      expect(new Set(stated), name).toEqual(new Set([engines]));
    }
    const [major, minor] = engines!.split(".");
    expect(checkNode).toContain(`major < ${major} || (major === ${major} && minor < ${minor})`);
    expect(checkNode).toContain(`Node >= ${engines}`);
    expect(startScript).not.toMatch(new RegExp(`Node >= (?!${engines!.replace(".", "\\.")})\\d+\\.\\d+`));
  });
});
