// D1 batches that wait for one another travel together. A round trip to D1 has a fixed cost (the
// call, its transaction, its answer) far above a statement's, so while one batch is on its way the
// batches asked for meanwhile are kept and then sent as one: each caller still gets exactly its own
// results, in its own order, inside one transaction with the others. Nothing waits for company: a
// batch with nobody ahead of it leaves at once, so a lone event costs what it did.
//
// A Durable Object's events share the object's I/O context, so any of them may carry the others'
// statements. A Worker's requests do not: the request whose batch leaves first carries the others'
// under its `waitUntil`, so they still arrive if it answers (or its client leaves) first.
// If the shared transaction fails, nothing of it was written, and each batch is sent again on its
// own, so one caller's failing statement fails only that caller.

/** Callers whose statements one round trip carries at most. */
const MAX_CALLERS = 32;
/**
 * Statements one round trip carries at most (a caller with more goes alone). The caller that sends
 * a shared batch has every statement in it counted towards its own invocation's D1 query limit,
 * so this bounds what company adds to any one request.
 */
const MAX_STATEMENTS = 100;

type KeepAlive = Pick<ExecutionContext, "waitUntil">;

type Waiting = {
  statements: D1PreparedStatement[];
  outcome?: { results: D1Result[] } | { error: unknown };
};

class Coalescer {
  private readonly waiting: Waiting[] = [];
  private inFlight: Promise<void> | null = null;

  constructor(private readonly db: D1Database) {}

  /**
   * Each caller waits in its own context; whenever no round trip is under way, the first caller to
   * run sends the oldest waiting batches as one. A caller carries at most one round trip, so no
   * request's lifetime is stretched by a stream of others.
   */
  async batch<T = unknown>(statements: D1PreparedStatement[], keepAlive?: KeepAlive): Promise<D1Result<T>[]> {
    const mine: Waiting = { statements };
    this.waiting.push(mine);
    while (!mine.outcome) {
      if (!this.inFlight) {
        const sending = this.send(this.takeGroup()).finally(() => {
          this.inFlight = null;
        });
        this.inFlight = sending;
        keepAlive?.waitUntil(sending);
      }
      await this.inFlight;
    }
    if ("error" in mine.outcome) throw mine.outcome.error;
    return mine.outcome.results as D1Result<T>[];
  }

  private takeGroup(): Waiting[] {
    let statements = 0;
    let n = 0;
    while (n < this.waiting.length && n < MAX_CALLERS) {
      const next = this.waiting[n]!.statements.length;
      if (n > 0 && statements + next > MAX_STATEMENTS) break;
      statements += next;
      n++;
    }
    return this.waiting.splice(0, n);
  }

  private async send(group: Waiting[]): Promise<void> {
    if (group.length === 1) return this.alone(group[0]!);
    let results: D1Result[];
    try {
      results = await this.db.batch(group.flatMap((w) => w.statements));
    } catch {
      // The shared transaction wrote nothing: each batch goes again alone, in order, and meets its own fate.
      for (const w of group) await this.alone(w);
      return;
    }
    let at = 0;
    for (const w of group) {
      w.outcome = { results: results.slice(at, at + w.statements.length) };
      at += w.statements.length;
    }
  }

  private async alone(w: Waiting): Promise<void> {
    try {
      w.outcome = { results: await this.db.batch(w.statements) };
    } catch (error) {
      w.outcome = { error };
    }
  }
}

function withBatch(db: D1Database, batch: (statements: D1PreparedStatement[]) => Promise<D1Result[]>): D1Database {
  return new Proxy(db, {
    get(target, prop) {
      if (prop === "batch") return batch;
      const value = Reflect.get(target, prop);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}

/**
 * For one Durable Object: `db` whose `batch()` travels with the object's other batches asked for
 * while one is on its way (see above); everything else is `db`'s own.
 */
export function coalescingBatches(db: D1Database): D1Database {
  const coalescer = new Coalescer(db);
  return withBatch(db, (statements) => coalescer.batch(statements));
}

const acrossRequests = new WeakMap<D1Database, Coalescer>();

/** For a Worker's request: its batches travel with those of the isolate's other requests (see above). */
export function coalescingAcrossRequests(db: D1Database, exec: KeepAlive): D1Database {
  let coalescer = acrossRequests.get(db);
  if (!coalescer) acrossRequests.set(db, (coalescer = new Coalescer(db)));
  return withBatch(db, (statements) => coalescer.batch(statements, exec));
}
