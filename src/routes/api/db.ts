import { drizzle } from "drizzle-orm/d1";
import * as schema from "../../db/schema";

export const openDb = (d1: D1Database) => drizzle(d1, { schema, casing: "snake_case" });
export type Db = ReturnType<typeof openDb>;
