import { drizzle } from "drizzle-orm/d1";
import * as schema from "./schema";

/** The drizzle view of D1 every aggregate module takes: the schema's tables, snake_case columns. */
export const openDb = (d1: D1Database) => drizzle(d1, { schema, casing: "snake_case" });
export type Db = ReturnType<typeof openDb>;
