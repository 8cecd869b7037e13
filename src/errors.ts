import type { ContentfulStatusCode } from "hono/utils/http-status";

/** The one error the API and the webhooks raise; rendered as {"error":{"code","message","details"}}. */
export class ApiError extends Error {
  constructor(
    readonly status: ContentfulStatusCode,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
  }
}

export const badRequest = (message: string, details?: unknown) =>
  new ApiError(400, "bad_request", message, details);
export const unauthorized = (message = "Missing or invalid credentials") =>
  new ApiError(401, "unauthorized", message);
export const forbidden = (message = "Your role does not allow this") => new ApiError(403, "forbidden", message);
export const notFound = (what: string) => new ApiError(404, "not_found", `${what} not found`);
export const conflict = (message: string, details?: unknown) => new ApiError(409, "conflict", message, details);

export function errorBody(code: string, message: string, details?: unknown) {
  return { error: { code, message, ...(details === undefined ? {} : { details }) } };
}

/** zod failures anywhere in the API become one 400 with the issues as details. */
export function validationHook(
  result: { success: boolean; error?: { issues: readonly { path: PropertyKey[]; message: string }[] } },
) {
  if (!result.success) {
    throw new ApiError(
      400,
      "validation_failed",
      "The request does not match the schema",
      result.error?.issues.map((i) => ({ path: i.path.map(String).join("."), message: i.message })),
    );
  }
}
