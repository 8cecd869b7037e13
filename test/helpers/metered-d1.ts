/**
 * A D1 binding that adds up D1's own `meta.rows_read` of every statement run through it, to count
 * what a request reads as D1 would bill it. `first()` and `raw()` return no meta, so a read through
 * them is run once more with `all()` to be counted; writes through them are refused, since a second
 * run would change the data.
 */
export type MeteredD1 = { db: D1Database; rowsRead: () => number; statements: () => number; reset: () => void };

export function meteredD1(real: D1Database): MeteredD1 {
  let rowsRead = 0;
  let statements = 0;
  const count = (meta: D1Meta) => {
    rowsRead += meta.rows_read;
    statements++;
  };
  const unwrap = new WeakMap<object, D1PreparedStatement>();

  const wrap = (sql: string, stmt: D1PreparedStatement): D1PreparedStatement => {
    const read = /^\s*(select|with|explain)\b/i.test(sql);
    const metered = {
      bind: (...values: unknown[]) => wrap(sql, stmt.bind(...values)),
      all: async <T>() => {
        const result = await stmt.all<T>();
        count(result.meta);
        return result;
      },
      run: async <T>() => {
        const result = await stmt.run<T>();
        count(result.meta);
        return result;
      },
      first: async <T>(column?: string) => {
        if (!read) throw new Error(`meteredD1: first() on a write cannot be counted: ${sql}`);
        const result = await stmt.all<Record<string, unknown>>();
        count(result.meta);
        const row = result.results[0];
        if (row === undefined) return null;
        return (column === undefined ? row : row[column]) as T;
      },
      raw: async <T>(options?: { columnNames?: boolean }) => {
        if (!read) throw new Error(`meteredD1: raw() on a write cannot be counted: ${sql}`);
        count((await stmt.all()).meta);
        return stmt.raw<T>(options as { columnNames: true });
      },
    } as unknown as D1PreparedStatement;
    unwrap.set(metered, stmt);
    return metered;
  };

  const db = new Proxy(real, {
    get(target, prop) {
      if (prop === "prepare") return (sql: string) => wrap(sql, target.prepare(sql));
      if (prop === "batch") {
        return async (stmts: D1PreparedStatement[]) => {
          const results = await target.batch(stmts.map((s) => unwrap.get(s) ?? s));
          for (const r of results) count(r.meta);
          return results;
        };
      }
      const value = Reflect.get(target, prop, target);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });

  return {
    db,
    rowsRead: () => rowsRead,
    statements: () => statements,
    reset: () => {
      rowsRead = 0;
      statements = 0;
    },
  };
}
