import { describe, expect, it } from "vitest";

// The source's floors, bottom up: a module imports from its own floor or below, never above, and no
// imports go round in a circle. A new top-level folder or file must be given a floor here.
const floors: [prefix: string, floor: number][] = [
  // Shared kinds and view types, pure logic, the one error, the bindings' declaration.
  ["kinds/", 0],
  ["domain/", 0],
  ["errors.ts", 0],
  ["env.ts", 0],
  ["security/", 1],
  ["providers/", 2],
  ["translation/", 2],
  ["db/", 3],
  ["queue/", 4],
  ["agents/", 4],
  ["outbox/", 4],
  ["automations/", 4],
  ["routes/", 5],
  ["app.ts", 6],
  ["index.ts", 7],
];

/**
 * `Env` types each binding by what is behind it (the two Durable Object classes, the outbox's
 * message), so RPC calls and Queue sends are type-checked: type-only references, erased at build,
 * and the only ones allowed to point up.
 */
const bindingTypes = new Set(["env.ts -> queue/queue-object.ts", "env.ts -> agents/agent-ledger.ts", "env.ts -> outbox/message.ts"]);

const sources = import.meta.glob<string>("../../src/**/*.ts", { query: "?raw", import: "default", eager: true });
const webSources = import.meta.glob<string>(["../../web/src/**/*.ts", "../../web/src/**/*.tsx"], { query: "?raw", import: "default", eager: true });
const files = new Map(Object.entries(sources).map(([path, text]) => [path.replace("../../src/", ""), text]));

type Edge = { from: string; to: string; typeOnly: boolean };

function floorOf(file: string): number | undefined {
  return floors.find(([prefix]) => (prefix.endsWith("/") ? file.startsWith(prefix) : file === prefix))?.[1];
}

/** The area a file belongs to: its top-level folder, or itself at the top. */
const areaOf = (file: string) => (file.includes("/") ? file.slice(0, file.indexOf("/") + 1) : file);

function resolve(from: string, spec: string): string | undefined {
  const parts = from.split("/").slice(0, -1);
  for (const step of spec.split("/")) {
    if (step === "..") parts.pop();
    else if (step !== ".") parts.push(step);
  }
  const base = parts.join("/");
  return [base, `${base}.ts`, `${base}/index.ts`].find((candidate) => files.has(candidate));
}

function importsOf(file: string, text: string): Edge[] {
  const edges: Edge[] = [];
  const statement = /^\s*(import|export)\s+(type\s+)?([^;]*?)\s+from\s+["']([^"']+)["']|^\s*import\s+["']([^"']+)["']/gm;
  for (const m of text.matchAll(statement)) {
    const spec = m[4] ?? m[5]!;
    if (!spec.startsWith(".")) continue;
    const names = m[3] ?? "";
    // `import { type A, type B }` is as type-only as `import type { A, B }`.
    const typeOnly = m[2] !== undefined || (/^\{[\s\S]*\}$/.test(names) && names.slice(1, -1).split(",").every((n) => n.trim() === "" || /^type\s/.test(n.trim())));
    edges.push({ from: file, to: resolve(file, spec) ?? `unresolved:${spec}`, typeOnly });
  }
  for (const m of text.matchAll(/\bimport\(\s*["'](\.[^"']+)["']\s*\)/g)) {
    edges.push({ from: file, to: resolve(file, m[1]!) ?? `unresolved:${m[1]}`, typeOnly: false });
  }
  return edges;
}

const edges = [...files].flatMap(([file, text]) => importsOf(file, text));
const allowed = (e: Edge) => e.typeOnly && bindingTypes.has(`${e.from} -> ${e.to}`);
const show = (e: Edge) => `${e.from} -> ${e.to}${e.typeOnly ? " (type)" : ""}`;

/** The circles of a graph: its strongly connected components of more than one node. */
function circles(graph: Map<string, Set<string>>): string[][] {
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (v: string) => {
    index.set(v, next);
    low.set(v, next++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1) found.push(component.sort());
    }
  };
  for (const v of graph.keys()) if (!index.has(v)) visit(v);
  return found;
}

function graphOf(pairs: [string, string][]): Map<string, Set<string>> {
  const graph = new Map<string, Set<string>>();
  for (const [a, b] of pairs) {
    if (a === b) continue;
    graph.set(a, (graph.get(a) ?? new Set()).add(b));
    if (!graph.has(b)) graph.set(b, new Set());
  }
  return graph;
}

describe("the source's floors", () => {
  it("reads the source", () => {
    expect(files.size).toBeGreaterThan(100);
    expect(edges.length).toBeGreaterThan(300);
  });

  it("gives every module a floor and resolves every relative import", () => {
    expect([...files.keys()].filter((f) => floorOf(f) === undefined)).toEqual([]);
    expect(edges.filter((e) => e.to.startsWith("unresolved:")).map(show)).toEqual([]);
  });

  it("has no module import from a floor above its own", () => {
    const upward = edges.filter((e) => !allowed(e) && floorOf(e.to)! > floorOf(e.from)!);
    expect(upward.map(show)).toEqual([]);
  });

  it("has no circle between modules (type-only imports inside one folder aside: they are gone at build)", () => {
    const counted = edges.filter((e) => !allowed(e) && !(e.typeOnly && areaOf(e.from) === areaOf(e.to)));
    expect(circles(graphOf(counted.map((e) => [e.from, e.to])))).toEqual([]);
  });
});

describe("the house", () => {
  it("has no circle between modules, type-only imports included", () => {
    const counted = edges.filter((e) => !allowed(e));
    expect(circles(graphOf(counted.map((e) => [e.from, e.to])))).toEqual([]);
  });

  it("has no circle between folders", () => {
    const counted = edges.filter((e) => !allowed(e) && areaOf(e.from) !== areaOf(e.to));
    expect(circles(graphOf(counted.map((e) => [areaOf(e.from), areaOf(e.to)])))).toEqual([]);
  });

  it("keeps every D1 statement in db/", () => {
    const outside = [...files].filter(([file, text]) => !file.startsWith("db/") && /\b(DB|d1)\.(prepare|batch|exec)\(/.test(text));
    expect(outside.map(([file]) => file)).toEqual([]);
  });

  it("has every module take the views from kinds/, and protocol.ts pass nothing on", () => {
    const views = /\b(MessageView|TicketView|ReplyWindowView|attachmentViewSchema|messageTranslationSchema|messageViewSchema|replyWindowViewSchema|ticketViewSchema)\b/;
    const throughProtocol = [...files]
      .filter(([file]) => file !== "queue/protocol.ts")
      .filter(([file, text]) =>
        [...text.matchAll(/^import[^;]*?\{([^}]*)\}\s*from\s*["']([^"']+)["']/gm)].some((m) => resolve(file, m[2]!) === "queue/protocol.ts" && views.test(m[1]!)),
      );
    expect(throughProtocol.map(([file]) => file)).toEqual([]);
    expect(files.get("queue/protocol.ts")).not.toMatch(/^export\s+(type\s+)?(\{[^}]*\}|\*)\s*from\s/m);
    const webThroughProtocol = Object.entries(webSources).filter(([, text]) =>
      [...text.matchAll(/^(?:import|export)[^;]*?\{([^}]*)\}\s*from\s*["']([^"']+)["']/gm)].some((m) => m[2]!.endsWith("src/queue/protocol") && views.test(m[1]!)),
    );
    expect(Object.keys(webThroughProtocol.length ? Object.fromEntries(webThroughProtocol) : {})).toEqual([]);
  });
});
