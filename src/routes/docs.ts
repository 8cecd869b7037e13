import type { OpenAPIHono } from "@hono/zod-openapi";
import type { AppContext } from "../env";

const tags = [
  { name: "auth", description: "Logging in and the caller's own identity" },
  { name: "queues", description: "Queues, their routing configuration and their live figures" },
  { name: "members", description: "Which users work in which queue" },
  { name: "users", description: "Admins, supervisors and agents" },
  { name: "accounts", description: "Channel accounts: where provider webhooks come in and replies go out" },
  { name: "tickets", description: "Customer tickets and their message history: the list, the search, read marks" },
  { name: "saved searches", description: "Ticket searches kept by a user, or shared with everyone by a supervisor or an admin" },
  { name: "reports", description: "Service figures (handled, abandoned, first response, handle time, service level) over a date range" },
  { name: "audit", description: "Who changed what" },
];

const info = {
  title: "channel-hub",
  version: "0.1.0",
  description:
    "The admin JSON API of channel-hub. Send `Authorization: Bearer <token>` (from POST /api/v1/auth/login). " +
    'Every error is `{"error":{"code","message","details"}}`.',
};

type Doc = ReturnType<OpenAPIHono<AppContext>["getOpenAPI31Document"]>;

/** GET /api/openapi.json and GET /api/docs, both built from the routes registered on `app`. */
export function docsRoutes(app: OpenAPIHono<AppContext>) {
  let doc: Doc | undefined;
  let html: string | undefined;
  const document = () => (doc ??= withPlainPatterns(app.getOpenAPI31Document({ openapi: "3.1.0", info, tags })));
  app.get("/api/openapi.json", (c) => c.json(document()));
  app.get("/api/docs", (c) => c.html((html ??= renderDocs(document()))));
}

/**
 * The generator writes a regex made with the `u` flag as its literal minus the leading slash
 * (`^\/[\p{L}]+$/u`). A JSON Schema `pattern` is an ECMA-262 pattern read with the `u` flag
 * already, without delimiters or flags: drop the trailing `/u` (a slash in `source` is always escaped,
 * so an unescaped one can only be the delimiter).
 */
function withPlainPatterns<T>(node: T): T {
  if (Array.isArray(node)) {
    node.forEach((item) => withPlainPatterns(item));
  } else if (node && typeof node === "object") {
    const obj = node as Record<string, unknown>;
    for (const [key, value] of Object.entries(obj)) {
      if (key === "pattern" && typeof value === "string") obj[key] = withoutUnicodeFlag(value);
      else withPlainPatterns(value);
    }
  }
  return node;
}

function withoutUnicodeFlag(pattern: string): string {
  if (!pattern.endsWith("/u")) return pattern;
  let backslashes = 0;
  for (let i = pattern.length - 3; i >= 0 && pattern[i] === "\\"; i--) backslashes++;
  return backslashes % 2 === 0 ? pattern.slice(0, -2) : pattern;
}

type Schema = Record<string, unknown>;
type Parameter = { name: string; in: string; required?: boolean; description?: string; schema?: Schema };
type Media = { schema?: Schema };
type Operation = {
  summary?: string;
  description?: string;
  tags?: string[];
  parameters?: Parameter[];
  requestBody?: { required?: boolean; content?: Record<string, Media> };
  responses?: Record<string, { description?: string; content?: Record<string, Media> }>;
  security?: unknown[];
  "x-required-roles"?: string[];
};
type Entry = { method: string; path: string; op: Operation; anchor: string };

const methods = ["get", "post", "put", "patch", "delete"] as const;

const esc = (s: string) =>
  s.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;").replaceAll('"', "&quot;").replaceAll("'", "&#39;");

const anchorOf = (method: string, path: string) =>
  `op-${method}-${path.replace(/[{}]/g, "").replace(/[^A-Za-z0-9]+/g, "-").replace(/^-|-$/g, "")}`;

/** Pretty JSON, with every schema reference turned into a link to that schema. */
function schemaBlock(schema: unknown): string {
  const text = esc(JSON.stringify(schema, null, 2));
  return `<pre>${text.replace(
    /&quot;#\/components\/schemas\/([A-Za-z0-9_.-]+)&quot;/g,
    (_m, name: string) => `<a href="#schema-${name}">&quot;#/components/schemas/${name}&quot;</a>`,
  )}</pre>`;
}

function renderParameters(params: Parameter[]): string {
  if (params.length === 0) return "";
  const rows = params
    .map(
      (p) =>
        `<tr><td><code>${esc(p.name)}</code></td><td>${esc(p.in)}</td><td>${p.required ? "yes" : "no"}</td>` +
        `<td><code>${esc(JSON.stringify(p.schema ?? {}))}</code>${p.description ? ` ${esc(p.description)}` : ""}</td></tr>`,
    )
    .join("");
  return `<h4>Parameters</h4><table><tr><th>name</th><th>in</th><th>required</th><th>schema</th></tr>${rows}</table>`;
}

function renderOperation({ method, path, op, anchor }: Entry): string {
  const roles = op["x-required-roles"]?.join(", ") ?? (op.security?.length === 0 ? "public" : "any");
  const body = op.requestBody?.content?.["application/json"]?.schema;
  const responses = Object.entries(op.responses ?? {})
    .map(([status, r]) => {
      const schema = r.content?.["application/json"]?.schema;
      return `<li><strong>${esc(status)}</strong> ${esc(r.description ?? "")}${schema ? schemaBlock(schema) : ""}</li>`;
    })
    .join("");
  return `<article id="${anchor}">
<h3><a href="#${anchor}"><span class="method ${method}">${method.toUpperCase()}</span> <code>${esc(path)}</code></a></h3>
<p>${esc(op.summary ?? "")}</p>${op.description ? `<p>${esc(op.description)}</p>` : ""}
<p class="roles">Required role: <strong>${esc(roles)}</strong></p>
${renderParameters(op.parameters ?? [])}
${body ? `<h4>Request body (application/json)</h4>${schemaBlock(body)}` : ""}
<h4>Responses</h4><ul>${responses}</ul>
</article>`;
}

export function renderDocs(doc: Doc): string {
  const entries: Entry[] = [];
  for (const [path, item] of Object.entries((doc.paths ?? {}) as Record<string, Record<string, Operation>>)) {
    for (const method of methods) {
      const op = item[method];
      if (op) entries.push({ method, path, op, anchor: anchorOf(method, path) });
    }
  }
  const known = tags.map((t) => t.name);
  const extra = [...new Set(entries.map((e) => e.op.tags?.[0] ?? "other"))].filter((t) => !known.includes(t));
  const groups = [...tags, ...extra.map((name) => ({ name, description: "" }))]
    .map((t) => ({ ...t, entries: entries.filter((e) => (e.op.tags?.[0] ?? "other") === t.name) }))
    .filter((g) => g.entries.length > 0);
  const schemas = Object.entries((doc.components?.schemas ?? {}) as Record<string, unknown>);

  const nav = groups
    .map(
      (g) =>
        `<li><a href="#tag-${g.name}">${esc(g.name)}</a><ul>${g.entries
          .map((e) => `<li><a href="#${e.anchor}">${e.method.toUpperCase()} ${esc(e.path)}</a></li>`)
          .join("")}</ul></li>`,
    )
    .join("");
  const sections = groups
    .map(
      (g) =>
        `<section id="tag-${g.name}"><h2>${esc(g.name)}</h2>${g.description ? `<p>${esc(g.description)}</p>` : ""}${g.entries
          .map(renderOperation)
          .join("\n")}</section>`,
    )
    .join("\n");
  const schemaSection = schemas
    .map(([name, s]) => `<article id="schema-${esc(name)}"><h3>${esc(name)}</h3>${schemaBlock(s)}</article>`)
    .join("\n");

  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(doc.info.title)} API reference</title>
<style>
body{font-family:system-ui,sans-serif;margin:0;display:flex;color:#1b1b1b}
nav{width:20rem;flex:none;height:100vh;overflow:auto;position:sticky;top:0;background:#f4f4f6;padding:1rem;box-sizing:border-box;font-size:.85rem}
nav ul{padding-left:1rem}main{padding:1rem 2rem;max-width:60rem;min-width:0}
article{border-top:1px solid #ddd;padding:.5rem 0}h3 a{color:inherit;text-decoration:none}
pre{background:#f6f8fa;padding:.6rem;overflow:auto;font-size:.8rem}
table{border-collapse:collapse}td,th{border:1px solid #ddd;padding:.25rem .5rem;text-align:left;font-size:.85rem}
.method{display:inline-block;min-width:4.5rem;text-align:center;border-radius:3px;color:#fff;font-size:.8rem;padding:.1rem .3rem}
.get{background:#2b7bb9}.post{background:#2e9d52}.put{background:#9a6c00}.patch{background:#7a4fb0}.delete{background:#c0392b}
.roles{color:#555}
</style></head>
<body><nav><strong>${esc(doc.info.title)} ${esc(doc.info.version)}</strong><ul>${nav}<li><a href="#schemas">schemas</a></li></ul></nav>
<main><h1>${esc(doc.info.title)} API reference</h1><p>${esc(doc.info.description ?? "")}</p>
<p>Machine-readable: <a href="/api/openapi.json">/api/openapi.json</a> (OpenAPI ${esc(doc.openapi)})</p>
${sections}
<section id="schemas"><h2>Schemas</h2>${schemaSection}</section>
</main></body></html>`;
}
