import { env } from "cloudflare:workers";

/** env.DB counting round trips: each batch, and each statement run on its own, with the SQL prepared. */
export function meteredDb() {
  const trips: string[] = [];
  const sql: string[] = [];
  const watch = (stmt: D1PreparedStatement, text: string): D1PreparedStatement => {
    const bind = stmt.bind.bind(stmt);
    stmt.bind = (...values: unknown[]) => watch(bind(...values), text);
    for (const method of ["first", "run", "all", "raw"] as const) {
      const original = (stmt[method] as (...a: unknown[]) => unknown).bind(stmt);
      (stmt as unknown as Record<string, unknown>)[method] = (...a: unknown[]) => (trips.push(`${method}: ${text}`), original(...a));
    }
    return stmt;
  };
  const DB = new Proxy(env.DB, {
    get(target, prop) {
      if (prop === "prepare") return (text: string) => (sql.push(text), watch(target.prepare(text), text));
      if (prop === "batch") return (statements: D1PreparedStatement[]) => (trips.push(`batch of ${statements.length}`), target.batch(statements));
      if (prop === "exec") return (text: string) => (trips.push(`exec: ${text}`), target.exec(text));
      const value = Reflect.get(target, prop);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
  return { DB, trips, sql };
}

/** env.DB adding up D1's own meta over every batch: batches, statements, rows read and written. */
export function meteredBatches() {
  const totals = { batches: 0, statements: 0, rowsRead: 0, rowsWritten: 0 };
  const DB = new Proxy(env.DB, {
    get(target, prop) {
      if (prop === "batch") {
        return async (statements: D1PreparedStatement[]) => {
          const results = await target.batch(statements);
          totals.batches++;
          for (const r of results) {
            totals.statements++;
            totals.rowsRead += r.meta.rows_read;
            totals.rowsWritten += r.meta.rows_written;
          }
          return results;
        };
      }
      const value = Reflect.get(target, prop);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
  return { DB, totals };
}
