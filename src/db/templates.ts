// The template library (docs/templates.md). Settings name a template as {"templateId": "tpl_…"} at
// one of their automatic messages; json_tree finds those references where they are stored, so no
// table of uses has to be kept in step with every writer of accounts and queues.
import { asc, eq, inArray, sql } from "drizzle-orm";
import { templates } from "./schema";
import type { Db } from "./database";

export type TemplateRow = typeof templates.$inferSelect;
export type NewTemplate = typeof templates.$inferInsert;

/** Where a template is used: an account's conversation settings or a queue's routing, at `field` (the API body's path). */
export type TemplateUse = { kind: "account" | "queue"; id: string; name: string; field: string };

/** Names are unique whatever their case (Turkish dotted and dotless i included: "ISTEK" and "istek" are one name). */
export const templateNameKey = (name: string) =>
  name.normalize("NFKC").replaceAll("İ", "I").replaceAll("ı", "i").toLowerCase();

export const listTemplates = (db: Db) => db.select().from(templates).orderBy(asc(templates.nameKey), asc(templates.id)).all();

export const getTemplate = (db: Db, id: string) => db.select().from(templates).where(eq(templates.id, id)).get();

export async function templatesByIds(db: Db, ids: readonly string[]): Promise<Map<string, TemplateRow>> {
  if (ids.length === 0) return new Map();
  const rows = await db.select().from(templates).where(inArray(templates.id, [...new Set(ids)])).all();
  return new Map(rows.map((r) => [r.id, r]));
}

export const insertTemplate = (db: Db, row: NewTemplate) => db.insert(templates).values(row).returning();

/** A change of `body` moves the version of every account that sends the template (trigger `templates_body_version`, migration 0019). */
export const updateTemplate = (db: Db, id: string, patch: Partial<Omit<NewTemplate, "id" | "createdAt" | "createdBy">>) =>
  db.update(templates).set(patch).where(eq(templates.id, id)).returning();

export const deleteTemplate = (db: Db, id: string) => db.delete(templates).where(eq(templates.id, id));

/** Every use of the templates (of `id` only, when given), by template id. */
export async function templateUses(db: Db, id?: string): Promise<Map<string, TemplateUse[]>> {
  const only = id === undefined ? sql`` : sql` AND j.value = ${id}`;
  const rows = await db.all<{ template_id: string; kind: "account" | "queue"; id: string; name: string; path: string }>(sql`
    SELECT j.value AS template_id, 'account' AS kind, a.id, a.name, j.path FROM channel_accounts a, json_tree(a.conversation) j
    WHERE j.key = 'templateId'${only}
    UNION ALL
    SELECT j.value, 'queue', q.id, q.name, j.path FROM queues q, json_tree(q.routing) j
    WHERE j.key = 'templateId'${only}
    ORDER BY 2, 4, 5`);
  const out = new Map<string, TemplateUse[]>();
  for (const r of rows) {
    const field = `${r.kind === "account" ? "conversation" : "routing"}${r.path.slice(1)}`;
    out.set(r.template_id, [...(out.get(r.template_id) ?? []), { kind: r.kind, id: r.id, name: r.name, field }]);
  }
  return out;
}

/**
 * A SQL expression giving, as a JSON object of id → body, the templates the JSON columns `columns`
 * name: read with the row that names them, so resolving the references costs no round trip.
 */
export const templateBodiesSql = (...columns: string[]) =>
  `(SELECT json_group_object(t.id, t.body) FROM templates t WHERE t.id IN (${columns
    .map((c) => `SELECT j.value FROM json_tree(${c}) j WHERE j.key = 'templateId'`)
    .join(" UNION ")}))`;

/** The bodies `templateBodiesSql` read. */
export const parseTemplateBodies = (json: string | null | undefined): Record<string, string> =>
  json ? (JSON.parse(json) as Record<string, string>) : {};
