/** The OpenAPI document as plain JSON, for the steps that complete it. */
export type Schema = Record<string, unknown> & { properties?: Record<string, Schema>; required?: string[]; description?: string };
export type Operation = Record<string, unknown> & {
  operationId?: string;
  tags?: string[];
  security?: Record<string, string[]>[];
  requestBody?: { required?: boolean; content?: Record<string, Media> };
  responses?: Record<string, { description?: string; content?: Record<string, Media> }>;
};
export type Media = { schema?: Schema; example?: unknown; examples?: Record<string, { summary?: string; value: unknown }> };
export type PathItem = Partial<Record<"get" | "put" | "post" | "patch" | "delete", Operation>> & Record<string, unknown>;
export type Doc = {
  openapi: string;
  info: Record<string, unknown>;
  servers?: unknown[];
  security?: Record<string, string[]>[];
  tags?: { name: string; description?: string }[];
  paths: Record<string, PathItem>;
  components: { schemas: Record<string, Schema>; securitySchemes?: Record<string, unknown>; [k: string]: unknown };
  [k: string]: unknown;
};

export const methods = ["get", "put", "post", "patch", "delete"] as const;

/** Every operation of the document with its "METHOD /path" key. */
export function operationsOf(doc: Doc): { key: string; method: (typeof methods)[number]; path: string; op: Operation }[] {
  return Object.entries(doc.paths).flatMap(([path, item]) =>
    methods.flatMap((method) => (item[method] ? [{ key: `${method.toUpperCase()} ${path}`, method, path, op: item[method]! }] : [])),
  );
}
