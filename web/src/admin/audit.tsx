import { useEffect, useState } from "preact/hooks";
import { ApiFailure, request } from "../api";
import type { SectionProps } from "./admin";
import { SelectField, TextField } from "./form";
import { ListTable } from "./section";
import { AlertLine } from "../notices";

type Entry = { id: number; actorId: string | null; action: string; entityType: string; entityId: string; details: Record<string, unknown> | null; at: number };
type Filters = { actor: string; action: string; entityType: string; entityId: string; from: string; to: string };
const noFilters: Filters = { actor: "", action: "", entityType: "", entityId: "", from: "", to: "" };

/** The actions and entity types the API documents as enums (AuditEntry in its OpenAPI document), for the filters' choices. */
async function auditVocabulary(): Promise<{ actions: string[]; entityTypes: string[] }> {
  const doc = await fetch("/api/openapi.json").then((r) => (r.ok ? r.json() : null), () => null);
  const schemas = doc?.components?.schemas ?? {};
  const props = schemas.AuditEntry?.properties ?? {};
  type Prop = { enum?: unknown; $ref?: string } | undefined;
  const resolve = (p: Prop): Prop => (typeof p?.$ref === "string" ? schemas[p.$ref.split("/").pop()!] : p);
  const list = (p: Prop) => {
    const r = resolve(p);
    return Array.isArray(r?.enum) ? (r.enum as string[]) : [];
  };
  return { actions: list(props.action), entityTypes: list(props.entityType) };
}

/** The query for a page: empty filters left out; dates as the start of `from` and the end of `to`, local time. */
function queryOf(f: Filters, cursor: number | null) {
  const q = new URLSearchParams({ limit: "50" });
  if (f.actor) q.set("actor", f.actor);
  if (f.action) q.set("action", f.action);
  if (f.entityType) q.set("entityType", f.entityType);
  if (f.entityId) q.set("entityId", f.entityId);
  if (f.from) q.set("from", String(new Date(`${f.from}T00:00:00`).getTime()));
  if (f.to) q.set("to", String(new Date(`${f.to}T23:59:59.999`).getTime()));
  if (cursor !== null) q.set("cursor", String(cursor));
  return q;
}

const when = (at: number) => new Date(at).toLocaleString(undefined, { dateStyle: "medium", timeStyle: "medium" });

/** An entry's details: short ones as they are, long ones cut with the whole behind a disclosure. */
function Details({ details }: { details: Entry["details"] }) {
  if (!details) return null;
  const s = JSON.stringify(details);
  if (s.length <= 160) return <>{s}</>;
  return (
    <details>
      <summary>{`${s.slice(0, 120)}…`}</summary>
      <pre>{JSON.stringify(details, null, 2)}</pre>
    </details>
  );
}

/** Names of the accounts, queues and templates entries refer to, read once (what cannot be read stays an id). */
async function entityNames(token: string): Promise<Map<string, string>> {
  const names = new Map<string, string>();
  const lists = await Promise.all(
    ["/api/v1/accounts", "/api/v1/queues", "/api/v1/templates"].map((p) =>
      request<{ items: { id: string; name: string }[] }>(p, { token }).then((r) => r.items, () => []),
    ),
  );
  for (const list of lists) for (const x of list) names.set(x.id, x.name);
  return names;
}

/** The audit log, newest first: filter by actor, action, entity and dates; a page at a time. */
export function AuditLog({ token }: SectionProps) {
  const [filters, setFilters] = useState<Filters>(noFilters);
  const [applied, setApplied] = useState<Filters>(noFilters);
  const [entries, setEntries] = useState<Entry[] | null>(null);
  const [next, setNext] = useState<number | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [users, setUsers] = useState<{ id: string; name: string }[]>([]);
  const [vocab, setVocab] = useState<{ actions: string[]; entityTypes: string[] }>({ actions: [], entityTypes: [] });
  const [names, setNames] = useState<Map<string, string>>(new Map());

  useEffect(() => {
    request<{ items: { id: string; displayName: string | null; email: string }[] }>("/api/v1/users", { token })
      .then((r) => setUsers(r.items.map((u) => ({ id: u.id, name: u.displayName ?? u.email }))))
      .catch(() => setUsers([]));
    void auditVocabulary().then(setVocab);
    void entityNames(token).then(setNames);
  }, [token]);

  async function load(f: Filters, cursor: number | null) {
    setError(null);
    try {
      const page = await request<{ items: Entry[]; nextCursor: number | null }>(`/api/v1/audit?${queryOf(f, cursor)}`, { token });
      setErrors({});
      setEntries((prev) => (cursor === null ? page.items : [...(prev ?? []), ...page.items]));
      setNext(page.nextCursor);
      setApplied(f);
    } catch (err) {
      if (!(err instanceof ApiFailure)) throw err;
      setErrors(err.fieldErrors());
      setError(err.message);
      if (cursor === null) setEntries([]);
    }
  }
  useEffect(() => void load(noFilters, null), [token]);

  const nameOf = (id: string | null) => (id === null ? "the hub" : (users.find((u) => u.id === id)?.name ?? id));
  const set = (k: keyof Filters) => (v: string) => setFilters((f) => ({ ...f, [k]: v }));
  const choices = (values: string[], current: string, all: string) => [{ value: "", label: all }, ...[...new Set([...values, ...(current ? [current] : [])])].map((v) => ({ value: v, label: v }))];

  return (
    <section class="admin-list audit" aria-labelledby="audit-title">
      <h2 id="audit-title">Audit log</h2>
      <form
        class="filters"
        aria-label="Audit filters"
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          void load(filters, null);
        }}
      >
        <SelectField label="Actor" value={filters.actor} error={errors.actor} options={[{ value: "", label: "Anyone" }, ...users.map((u) => ({ value: u.id, label: u.name }))]} onChange={set("actor")} />
        {vocab.actions.length ? (
          <SelectField label="Action" value={filters.action} error={errors.action} options={choices(vocab.actions, filters.action, "Any action")} onChange={set("action")} />
        ) : (
          <TextField label="Action" value={filters.action} error={errors.action} placeholder="e.g. queue.update" onInput={set("action")} />
        )}
        {vocab.entityTypes.length ? (
          <SelectField label="Entity type" value={filters.entityType} error={errors.entityType} options={choices(vocab.entityTypes, filters.entityType, "Any entity")} onChange={set("entityType")} />
        ) : (
          <TextField label="Entity type" value={filters.entityType} error={errors.entityType} placeholder="e.g. queue" onInput={set("entityType")} />
        )}
        <TextField label="Entity id" value={filters.entityId} error={errors.entityId} onInput={set("entityId")} />
        <TextField label="From" type="date" value={filters.from} error={errors.from} onInput={set("from")} />
        <TextField label="To" type="date" value={filters.to} error={errors.to} onInput={set("to")} />
        <div class="form-actions">
          <button type="submit" class="primary">
            Apply filters
          </button>
          <button
            type="button"
            onClick={() => {
              setFilters(noFilters);
              void load(noFilters, null);
            }}
          >
            Clear filters
          </button>
        </div>
      </form>
      <AlertLine text={error} class="banner error" />
      <ListTable items={entries} loading="Loading…" empty="No entries match." label="Audit entries" wrap="table-scroll" actions={false} columns={["When", "Actor", "Action", "Entity", "Details"]}>
        {(e) => (
          <tr key={e.id}>
            <td>{when(e.at)}</td>
            <td>{nameOf(e.actorId)}</td>
            <td>
              <code>{e.action}</code>
            </td>
            <td>
              {e.entityType} {names.get(e.entityId) ?? users.find((u) => u.id === e.entityId)?.name}
              <small class="hint block">{e.entityId}</small>
            </td>
            <td class="details">
              <Details details={e.details} />
            </td>
          </tr>
        )}
      </ListTable>
      {next !== null && (
        <button type="button" class="more" onClick={() => void load(applied, next)}>
          Older entries
        </button>
      )}
    </section>
  );
}
