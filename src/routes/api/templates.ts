import { z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { audited } from "../../db/audit";
import { loadQueueRouting } from "../../db/account-lookup";
import type { Db } from "../../db/database";
import {
  deleteTemplate,
  getTemplate,
  insertTemplate,
  listTemplates,
  templateNameKey,
  templatesByIds,
  templateUses,
  updateTemplate,
  type TemplateRow,
  type TemplateUse,
} from "../../db/templates";
import { conversationMessageFields } from "../../domain/conversation-settings";
import { routingMessageFields } from "../../domain/routing-config";
import {
  MAX_MESSAGE_TEMPLATE,
  previewTemplate,
  templateBodySchema,
  templateProblems,
  templateRefsAt,
  templateVariables,
  variablesOf,
  type MessageField,
} from "../../domain/templates";
import type { AppContext } from "../../env";
import { ApiError, badRequest, conflict, notFound } from "../../errors";
import { randomToken } from "../../security/crypto";
import { apiRoute, db, errors, isUniqueViolation, jsonBody, jsonResponse, router, timestamp, uuidParam } from "./shared";

const useSchema = z
  .object({
    kind: z.enum(["account", "queue"]),
    id: z.string(),
    name: z.string(),
    field: z.string().openapi({ description: "Where in the account's or queue's body the template is named", example: "conversation.messages.welcome" }),
  })
  .openapi("TemplateUse");

const templateSchema = z
  .object({
    id: z.string().openapi({ example: "tpl_Q2n8xk3Lw0aB" }),
    name: z.string().openapi({ example: "Karşılama" }),
    description: z.string(),
    body: z.string().openapi({ example: "Merhaba {{contact.firstName}} 👋 {{queue.name}} ekibine bağlandınız." }),
    variables: z.array(z.string()).openapi({ description: "The variables the body uses, in order of first use", example: ["contact.firstName", "queue.name"] }),
    usedBy: z.array(useSchema).openapi({ description: "Every account and queue whose automatic messages name this template" }),
    createdAt: timestamp,
    updatedAt: timestamp,
    createdBy: z.string().nullable(),
    updatedBy: z.string().nullable(),
  })
  .openapi("Template");

const name = z.string().trim().min(1).max(80).openapi({ description: "Unique whatever its case", example: "Karşılama" });
const description = z.string().max(500);
const body = templateBodySchema.openapi({
  description: `A template (docs/templates.md): up to ${MAX_MESSAGE_TEMPLATE} characters of text with variables among ${templateVariables.map((v) => `{{${v}}}`).join(", ")}`,
  example: "Merhaba {{contact.firstName}} 👋 {{queue.name}} ekibine bağlandınız.",
});

const readers = ["admin", "supervisor"] as const;
const tags = ["templates"];

const list = apiRoute(readers, {
  method: "get",
  path: "/templates",
  tags,
  summary: "The template library by name, each with where it is used",
  responses: { 200: jsonResponse(z.object({ items: z.array(templateSchema) }), "Templates") },
});

const read = apiRoute(readers, {
  method: "get",
  path: "/templates/{id}",
  tags,
  summary: "Read a template",
  request: { params: uuidParam },
  responses: { 200: jsonResponse(templateSchema, "The template"), 404: errors[404] },
});

const create = apiRoute(["admin"], {
  method: "post",
  path: "/templates",
  tags,
  summary: "Add a template to the library",
  request: { body: jsonBody(z.strictObject({ name, description: description.default(""), body }).openapi("TemplateCreate")) },
  responses: { 201: jsonResponse(templateSchema, "Created"), 409: errors[409] },
});

const update = apiRoute(["admin"], {
  method: "patch",
  path: "/templates/{id}",
  tags,
  summary:
    "Change a template. A new body must suit every place that uses it (the variables each offers); the next message sent from those places has it",
  request: {
    params: uuidParam,
    body: jsonBody(z.strictObject({ name: name.optional(), description: description.optional(), body: body.optional() }).openapi("TemplateUpdate")),
  },
  responses: { 200: jsonResponse(templateSchema, "Updated"), 404: errors[404], 409: errors[409] },
});

const remove = apiRoute(["admin"], {
  method: "delete",
  path: "/templates/{id}",
  tags,
  summary: "Delete a template nothing uses; one in use is refused (409 template_in_use) with `details.usedBy`",
  request: { params: uuidParam },
  responses: { 204: { description: "Deleted" }, 404: errors[404], 409: errors[409] },
});

const preview = apiRoute(readers, {
  method: "post",
  path: "/templates/preview",
  tags,
  summary: "Render a template with the values given and sample values (docs/templates.md) for the rest; nothing is stored",
  request: {
    body: jsonBody(
      z
        .strictObject({
          body,
          values: z
            .partialRecord(z.enum(templateVariables), z.string().max(1000))
            .optional()
            .openapi({ example: { "contact.name": "Ayşe Demir", "contact.firstName": "Ayşe" } }),
        })
        .openapi("TemplatePreviewRequest"),
    ),
  },
  responses: {
    200: jsonResponse(
      z
        .object({
          text: z.string().openapi({ example: "Merhaba Ayşe 👋 Müşteri Hizmetleri ekibine bağlandınız." }),
          variables: z.array(z.string()).openapi({ example: ["contact.firstName", "queue.name"] }),
        })
        .openapi("TemplatePreview"),
      "The text a customer would read",
    ),
  },
});

type Ctx = Context<AppContext>;

const toView = (r: TemplateRow, usedBy: TemplateUse[]) => ({
  id: r.id,
  name: r.name,
  description: r.description,
  body: r.body,
  variables: variablesOf(r.body),
  usedBy,
  createdAt: r.createdAt,
  updatedAt: r.updatedAt,
  createdBy: r.createdBy,
  updatedBy: r.updatedBy,
});

/** Every place a template may be used, by its path in the API's bodies. */
const fieldsByPath = new Map<string, MessageField>([
  ...conversationMessageFields.map((f) => [["conversation", ...f.path].join("."), f] as const),
  ...routingMessageFields.map((f) => [["routing", ...f.path].join("."), f] as const),
]);

const validationFailed = (details: { path: string; message: string }[]) =>
  new ApiError(400, "validation_failed", "The request does not match the schema", details);

/**
 * Every template `value` names at `fields` must exist and suit the place (the variables it offers),
 * as inline text must: 400 at the field's path (`prefix.` + its path) otherwise. Answers the bodies
 * of the templates named, to resolve the settings with.
 */
export async function checkTemplateRefs(d: Db, value: unknown, fields: readonly MessageField[], prefix: string): Promise<Record<string, string>> {
  const refs = templateRefsAt(value, fields);
  if (refs.length === 0) return {};
  const found = await templatesByIds(d, refs.map((r) => r.templateId));
  const problems: { path: string; message: string }[] = [];
  for (const { field, templateId } of refs) {
    const path = [prefix, ...field.path].join(".");
    const t = found.get(templateId);
    if (!t) problems.push({ path, message: `No template ${templateId}` });
    else for (const message of templateProblems(t.body, field.allowed)) problems.push({ path, message: `Template "${t.name}": ${message}` });
  }
  if (problems.length > 0) throw validationFailed(problems);
  return Object.fromEntries([...found].map(([id, t]) => [id, t.body]));
}

const nameTaken = (n: string) => conflict(`A template named "${n}" already exists`, [{ path: "name", message: "Already taken" }]);

/** Queues whose session timeout message uses the template get their configuration again (the text it now sends). */
async function reconfigureQueues(c: Ctx, uses: TemplateUse[]) {
  const queueIds = [...new Set(uses.filter((u) => u.kind === "queue").map((u) => u.id))];
  const results = await Promise.allSettled(
    queueIds.map(async (id) => {
      const routing = await loadQueueRouting(c.env.DB, id);
      if (routing) await c.env.QUEUE_OBJECT.getByName(id).configure(routing);
    }),
  );
  results.forEach((r, i) => {
    if (r.status === "rejected") console.error("could not give a queue its new session timeout message", { queueId: queueIds[i] }, r.reason);
  });
}

export function templateRoutes() {
  const app = router();

  app.openapi(list, async (c) => {
    const d = db(c);
    const [rows, uses] = await Promise.all([listTemplates(d), templateUses(d)]);
    return c.json({ items: rows.map((r) => toView(r, uses.get(r.id) ?? [])) }, 200);
  });

  app.openapi(read, async (c) => {
    const { id } = c.req.valid("param");
    const d = db(c);
    const row = await getTemplate(d, id);
    if (!row) throw notFound("Template");
    return c.json(toView(row, (await templateUses(d, id)).get(id) ?? []), 200);
  });

  app.openapi(preview, (c) => {
    const { body: text, values } = c.req.valid("json");
    return c.json({ text: previewTemplate(text, values), variables: variablesOf(text) }, 200);
  });

  app.openapi(create, async (c) => {
    const input = c.req.valid("json");
    const d = db(c);
    const id = `tpl_${randomToken(9)}`;
    const by = c.var.auth.userId;
    const [rows] = await audited(
      d,
      [insertTemplate(d, { id, name: input.name, nameKey: templateNameKey(input.name), description: input.description, body: input.body, createdBy: by, updatedBy: by })],
      { actorId: by, action: "template.create", entityType: "template", entityId: id, details: { name: input.name } },
    ).catch((err) => {
      throw isUniqueViolation(err, "templates.name_key") ? nameTaken(input.name) : err;
    });
    return c.json(toView(rows[0]!, []), 201);
  });

  app.openapi(update, async (c) => {
    const { id } = c.req.valid("param");
    const input = c.req.valid("json");
    if (Object.keys(input).length === 0) throw badRequest("Nothing to update");
    const d = db(c);
    const row = await getTemplate(d, id);
    if (!row) throw notFound("Template");
    const uses = (await templateUses(d, id)).get(id) ?? [];
    const bodyChanged = input.body !== undefined && input.body !== row.body;
    if (bodyChanged) {
      // The new body must suit every place that names the template, as inline text there would.
      const problems = uses.flatMap((u) =>
        templateProblems(input.body!, fieldsByPath.get(u.field)?.allowed).map((message) => ({
          path: "body",
          message: `Used by ${u.kind} "${u.name}" at ${u.field}: ${message}`,
        })),
      );
      if (problems.length > 0) throw validationFailed(problems);
    }
    const by = c.var.auth.userId;
    const patch = {
      ...(input.name !== undefined ? { name: input.name, nameKey: templateNameKey(input.name) } : {}),
      ...(input.description !== undefined ? { description: input.description } : {}),
      ...(input.body !== undefined ? { body: input.body } : {}),
      updatedAt: Date.now(),
      updatedBy: by,
    };
    const audit = {
      actorId: by,
      action: "template.update" as const,
      entityType: "template" as const,
      entityId: id,
      details: { name: input.name ?? row.name, fields: Object.keys(input) },
    };
    // A new body moves the version of every account that sends it, in the same transaction (a
    // trigger): their cached settings are read anew with the next webhook.
    const [rows] = await audited(d, [updateTemplate(d, id, patch)], audit).catch((err) => {
      throw isUniqueViolation(err, "templates.name_key") ? nameTaken(input.name ?? "") : err;
    });
    if (bodyChanged) await reconfigureQueues(c, uses);
    return c.json(toView(rows[0]!, uses), 200);
  });

  app.openapi(remove, async (c) => {
    const { id } = c.req.valid("param");
    const d = db(c);
    const row = await getTemplate(d, id);
    if (!row) throw notFound("Template");
    const usedBy = (await templateUses(d, id)).get(id) ?? [];
    if (usedBy.length > 0) {
      throw new ApiError(409, "template_in_use", `The template "${row.name}" is used by ${usedBy.length} automatic message(s); choose other texts there first`, { usedBy });
    }
    await audited(d, [deleteTemplate(d, id)], { actorId: c.var.auth.userId, action: "template.delete", entityType: "template", entityId: id, details: { name: row.name } });
    return c.body(null, 204);
  });

  return app;
}
