import { createRoute, OpenAPIHono, z, type RouteConfig } from "@hono/zod-openapi";
import type { Context } from "hono";
import { createMiddleware } from "hono/factory";
import type { AppContext } from "../../env";
import { ApiError, validationHook } from "../../errors";
import { requireAuth, requireRole } from "./auth";
import { roles, type Role } from "../../kinds/principal";
import { openDb } from "../../db/database";

export const router = () => new OpenAPIHono<AppContext>({ defaultHook: validationHook });

export const db = (c: Context<AppContext>) => openDb(c.env.DB);

export const errorSchema = z
  .object({
    error: z.object({ code: z.string(), message: z.string(), details: z.unknown().optional() }),
  })
  .openapi("Error");

const errorResponse = (description: string) => ({
  description,
  content: { "application/json": { schema: errorSchema } },
});

export const errors = {
  400: errorResponse("The request does not match the schema (details lists each issue)"),
  401: errorResponse("Missing, invalid or expired bearer token"),
  403: errorResponse("The caller's role does not allow this"),
  404: errorResponse("Not found (or not visible to the caller)"),
  409: errorResponse("Conflicts with existing data"),
  502: errorResponse("The provider refused the request"),
} as const;

export const jsonResponse = <T extends z.ZodType>(schema: T, description: string) => ({
  description,
  content: { "application/json": { schema } },
});

export const jsonBody = <T extends z.ZodType>(schema: T) => ({
  required: true,
  content: { "application/json": { schema } },
});

type ApiRouteConfig = Omit<RouteConfig, "middleware" | "security">;

/**
 * Refuses query parameters the route does not declare (400 validation_failed, one detail per
 * parameter): a misspelt or unsupported filter must not silently widen a list to everything.
 */
export function onlyDeclaredQuery(query: z.ZodType | undefined) {
  const known = new Set(query instanceof z.ZodObject ? Object.keys(query.shape) : []);
  return createMiddleware<AppContext>(async (c, next) => {
    const unknown = Object.keys(c.req.queries()).filter((name) => !known.has(name));
    if (unknown.length > 0) {
      const accepted = known.size > 0 ? `this route takes ${[...known].join(", ")}` : "this route takes none";
      throw new ApiError(
        400,
        "validation_failed",
        "The request does not match the schema",
        unknown.map((name) => ({ path: name, message: `Unknown query parameter; ${accepted}` })),
      );
    }
    await next();
  });
}

/** A route behind a bearer token and a role check; the roles also appear in the document. */
export function apiRoute<const R extends ApiRouteConfig>(allowed: readonly Role[], config: R) {
  return createRoute({
    ...config,
    security: [{ bearerAuth: [] }],
    "x-required-roles": allowed,
    middleware: [requireAuth, requireRole(...allowed), onlyDeclaredQuery(config.request?.query)],
    responses: {
      ...config.responses,
      400: errors[400],
      401: errors[401],
      ...(allowed.length < roles.length ? { 403: errors[403] } : {}),
    },
  });
}

export const uuidParam = z.object({ id: z.string().min(1).max(64) });

export const pageQuery = {
  cursor: z.coerce
    .number()
    .int()
    .positive()
    .optional()
    .openapi({ description: "`nextCursor` of the previous page; omit for the first page" }),
  limit: z.coerce.number().int().min(1).max(100).default(50).openapi({ description: "Page size, 1–100" }),
};

export const pageOf = <T extends z.ZodType>(item: T) =>
  z.object({
    items: z.array(item),
    nextCursor: z.number().int().nullable().openapi({ description: "Pass as `cursor` for the next page; null on the last" }),
  });

/** Cuts the extra row a `limit + 1` query fetched into the next page's cursor. */
export function page<T extends { id: number }>(rows: T[], limit: number) {
  const items = rows.slice(0, limit);
  return { items, nextCursor: rows.length > limit ? (items[items.length - 1]?.id ?? null) : null };
}

/** Validates a nested value with the same 400 the request validators give, paths prefixed. */
export function parseWith<T extends z.ZodType>(schema: T, value: unknown, prefix: string): z.output<T> {
  const result = schema.safeParse(value);
  if (!result.success) {
    validationHook({
      success: false,
      error: { issues: result.error.issues.map((i) => ({ ...i, path: [prefix, ...i.path] })) },
    });
  }
  return result.data as z.output<T>;
}

/** True when D1 refused a write because of the named unique constraint ("users.email"). */
export function isUniqueViolation(err: unknown, target: string): boolean {
  for (let e: unknown = err; e instanceof Error; e = e.cause) {
    if (e.message.includes(`UNIQUE constraint failed: ${target}`)) return true;
  }
  return false;
}

export const timestamp = z.number().int().openapi({ description: "Epoch milliseconds" });
