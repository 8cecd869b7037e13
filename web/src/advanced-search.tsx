// The interaction search's condition builder (POST /api/v1/tickets/search) and the saved searches.
// Loaded on first use: it takes the fields and their operators from the module the API checks
// searches with, so the two cannot drift.
import { useEffect, useState } from "preact/hooks";
import { operatorsFor, searchFieldNames, searchFields, ticketStatuses, type SearchField, type SearchOperator } from "../../src/domain/search-conditions";
import { providerKinds } from "../../src/providers/types";
import { ApiFailure, colleaguesIn, conditionErrors, deleteSavedSearch, saveSearch, savedSearches, type Queue, type SavedSearch, type TicketSearch } from "./api";
import { blankRow, isList, noValue, toCondition, toRow, type Choice, type Row } from "./search-rows";

const fieldLabels: Record<SearchField, string> = {
  status: "Status",
  account: "Account",
  queue: "Queue",
  contact: "Contact id",
  provider: "Channel",
  agent: "Agent",
  tags: "Tags",
  disposition: "Disposition",
  contactName: "Customer name",
  contactHandle: "Customer handle",
  subject: "Subject",
  messageText: "Message text",
  created: "Created",
  closed: "Closed",
  firstResponseSeconds: "First response (s)",
  unread: "Unread",
  escalated: "Escalated",
};
const opLabels: Record<SearchOperator, string> = {
  equals: "is",
  not_equals: "is not",
  contains: "contains",
  not_contains: "does not contain",
  starts_with: "starts with",
  ends_with: "ends with",
  in: "is any of",
  not_in: "is none of",
  before: "before",
  after: "at or after",
  between: "between",
  greater_than: "more than",
  less_than: "less than",
  is_empty: "is empty",
  is_not_empty: "is set",
};
export type AdvancedSearchProps = {
  token: string;
  userId: string;
  role: string;
  queues: Queue[];
  accounts: Choice[];
  /** Runs the search in the list; resolves to the API's messages by condition index (its details' "conditions.N"). */
  onRun(search: TicketSearch): Promise<Record<number, string>>;
};

export function AdvancedSearch({ token, userId, role, queues, accounts, onRun }: AdvancedSearchProps) {
  const [match, setMatch] = useState<"all" | "any">("all");
  const [rows, setRows] = useState<Row[]>(() => [blankRow()]);
  const [agents, setAgents] = useState<Choice[]>([]);
  const [saved, setSaved] = useState<SavedSearch[] | null>(null);
  /** The API's message for a condition, by the row's key (indices shift when a row is removed). */
  const [errors, setErrors] = useState<Record<number, string>>({});
  const [message, setMessage] = useState<{ error: boolean; text: string } | null>(null);

  useEffect(() => {
    savedSearches(token).then(setSaved, (err: Error) => setMessage({ error: true, text: err.message }));
    // Agents by name: the members of every queue the caller sees.
    Promise.all(queues.map((q) => colleaguesIn(token, q.id).catch(() => []))).then((lists) => {
      const byId = new Map<string, string>();
      for (const c of lists.flat()) byId.set(c.userId, c.displayName);
      setAgents([...byId].map(([value, label]) => ({ value, label })).sort((a, b) => a.label.localeCompare(b.label)));
    });
  }, [token, queues]);

  const picks = (field: SearchField): Choice[] | null => {
    switch (field) {
      case "status":
        return ticketStatuses.map((s) => ({ value: s, label: s }));
      case "provider":
        return providerKinds.map((p) => ({ value: p, label: p }));
      case "queue":
        return queues.map((q) => ({ value: q.id, label: q.name }));
      case "account":
        return accounts.length ? accounts : null;
      case "agent":
        return agents.length ? agents : null;
      default:
        return null;
    }
  };

  const search = (): TicketSearch => ({ match, conditions: rows.map((r) => toCondition(r, picks)) });
  const change = (key: number, patch: Partial<Row>) => {
    setRows((rs) => rs.map((r) => (r.key === key ? { ...r, ...patch } : r)));
    if (errors[key]) setErrors(({ [key]: _gone, ...rest }) => rest);
  };
  const showErrors = (at: Row[], byIndex: Record<number, string>) =>
    setErrors(Object.fromEntries(Object.entries(byIndex).flatMap(([i, m]) => (at[Number(i)] ? [[at[Number(i)]!.key, m]] : []))));

  const runRows = async (at: Row[], s: TicketSearch) => {
    setErrors({});
    showErrors(at, await onRun(s));
  };
  const run = (e: Event) => {
    e.preventDefault();
    setMessage(null);
    void runRows(rows, search());
  };
  const runSaved = (s: SavedSearch) => {
    const loaded = s.conditions.map((c) => toRow(c, picks));
    setMatch(s.match);
    setRows(loaded);
    setMessage({ error: false, text: `Ran “${s.name}”.` });
    void runRows(loaded, { match: s.match, conditions: s.conditions });
  };
  const save = async (e: Event) => {
    e.preventDefault();
    const form = new FormData(e.currentTarget as HTMLFormElement);
    const name = String(form.get("name") ?? "").trim();
    setErrors({});
    const at = rows;
    try {
      const s = await saveSearch(token, { ...search(), name, shared: form.get("shared") === "on" });
      setSaved((list) => [...(list ?? []), s].sort((a, b) => a.name.localeCompare(b.name)));
      (e.currentTarget as HTMLFormElement | null)?.reset();
      setMessage({ error: false, text: `Saved “${s.name}”.` });
    } catch (err) {
      if (err instanceof ApiFailure) showErrors(at, conditionErrors(err));
      setMessage({ error: true, text: err instanceof ApiFailure && err.fieldErrors().name ? `Name: ${err.fieldErrors().name}` : (err as Error).message });
    }
  };
  const remove = async (s: SavedSearch) => {
    try {
      await deleteSavedSearch(token, s.id);
      setSaved((list) => list?.filter((x) => x.id !== s.id) ?? null);
      setMessage({ error: false, text: `Deleted “${s.name}”.` });
    } catch (err) {
      setMessage({ error: true, text: (err as Error).message });
    }
  };

  return (
    <div class="advanced-search">
      <form class="conditions" aria-label="Advanced search" onSubmit={run}>
        <label class="match">
          Match
          <select value={match} onChange={(e) => setMatch((e.currentTarget as HTMLSelectElement).value as "all" | "any")}>
            <option value="all">all conditions</option>
            <option value="any">any condition</option>
          </select>
        </label>
        <ol class="condition-rows">
          {rows.map((r, i) => (
            <ConditionRow
              key={r.key}
              row={r}
              n={i + 1}
              error={errors[r.key]}
              picks={picks(r.field)}
              onChange={(patch) => change(r.key, patch)}
              onRemove={() => setRows((rs) => rs.filter((x) => x.key !== r.key))}
            />
          ))}
        </ol>
        <div class="actions">
          <button type="button" onClick={() => setRows((rs) => [...rs, blankRow()])}>
            Add condition
          </button>
          <button type="submit" class="primary">
            Search
          </button>
        </div>
      </form>

      <section class="saved-searches" aria-label="Saved searches">
        <h3>Saved searches</h3>
        <form class="save-search" onSubmit={save}>
          <label>
            Search name
            <input name="name" required maxLength={100} />
          </label>
          {role !== "agent" && (
            <label class="check">
              <input type="checkbox" name="shared" /> Share with the team
            </label>
          )}
          <button type="submit">Save search</button>
        </form>
        {message && (
          <p role={message.error ? "alert" : "status"} class={message.error ? "error" : "note"}>
            {message.text}
          </p>
        )}
        {saved && saved.length === 0 && <p class="empty">No saved searches yet.</p>}
        {saved && saved.length > 0 && (
          <ul>
            {saved.map((s) => (
              <li key={s.id}>
                <span class="name">
                  {s.name}
                  {s.shared && <span class="badge">shared</span>}
                </span>
                <button type="button" aria-label={`Run saved search ${s.name}`} onClick={() => runSaved(s)}>
                  Run
                </button>
                {(s.ownerId === userId || (s.shared && role === "admin")) && (
                  <button type="button" aria-label={`Delete saved search ${s.name}`} onClick={() => void remove(s)}>
                    Delete
                  </button>
                )}
              </li>
            ))}
          </ul>
        )}
      </section>
    </div>
  );
}

function ConditionRow({
  row,
  n,
  error,
  picks,
  onChange,
  onRemove,
}: {
  row: Row;
  n: number;
  error?: string;
  picks: Choice[] | null;
  onChange(patch: Partial<Row>): void;
  onRemove(): void;
}) {
  const name = `condition ${n}`;
  const errorId = `condition-${row.key}-error`;
  const described = error ? { "aria-describedby": errorId, "aria-invalid": true } : {};
  const type = searchFields[row.field];
  const text = (label: string, value: string, set: (v: string) => void, kind: "text" | "datetime-local" = "text") => (
    <input
      type={kind}
      aria-label={`${label} of ${name}`}
      value={value}
      inputMode={type === "duration" ? "decimal" : undefined}
      placeholder={isList(row.op) && !picks ? "comma-separated" : undefined}
      onInput={(e) => set((e.currentTarget as HTMLInputElement).value)}
      {...described}
    />
  );
  let value = null;
  if (noValue(row.op)) value = null;
  else if (type === "boolean")
    value = (
      <select aria-label={`Value of ${name}`} value={row.value} onChange={(e) => onChange({ value: (e.currentTarget as HTMLSelectElement).value })} {...described}>
        <option value="">choose…</option>
        <option value="true">yes</option>
        <option value="false">no</option>
      </select>
    );
  else if (row.op === "between") {
    const kind = type === "time" ? "datetime-local" : "text";
    value = (
      <>
        {text("From", row.from, (from) => onChange({ from }), kind)}
        {text("To", row.to, (to) => onChange({ to }), kind)}
      </>
    );
  } else if (type === "time") value = text("Value", row.value, (v) => onChange({ value: v }), "datetime-local");
  else if (picks && isList(row.op))
    value = (
      <select
        multiple
        size={Math.min(4, picks.length)}
        aria-label={`Values of ${name}`}
        onChange={(e) => onChange({ values: [...(e.currentTarget as HTMLSelectElement).selectedOptions].map((o) => o.value) })}
        {...described}
      >
        {picks.map((p) => (
          <option value={p.value} selected={row.values.includes(p.value)}>
            {p.label}
          </option>
        ))}
      </select>
    );
  else if (picks)
    value = (
      <select aria-label={`Value of ${name}`} value={row.value} onChange={(e) => onChange({ value: (e.currentTarget as HTMLSelectElement).value })} {...described}>
        <option value="">choose…</option>
        {picks.map((p) => (
          <option value={p.value}>{p.label}</option>
        ))}
      </select>
    );
  else value = text(isList(row.op) ? "Values" : "Value", row.value, (v) => onChange({ value: v }));

  return (
    <li class={`condition${row.disabled ? " off" : ""}${error ? " invalid" : ""}`} role="group" aria-label={`Condition ${n}`}>
      <input type="checkbox" aria-label={`Use ${name}`} checked={!row.disabled} onChange={(e) => onChange({ disabled: !(e.currentTarget as HTMLInputElement).checked })} />
      <select
        aria-label={`Field of ${name}`}
        value={row.field}
        onChange={(e) => {
          const field = (e.currentTarget as HTMLSelectElement).value as SearchField;
          const ops = operatorsFor(field);
          // Typed values carry over between fields of one kind (text to text); chosen ones start again.
          const kind = searchFields[field];
          const same = kind === searchFields[row.field] && !["enum", "id", "user"].includes(kind);
          onChange({ field, op: ops.includes(row.op) ? row.op : ops[0]!, ...(same ? {} : { value: "", values: [], from: "", to: "" }) });
        }}
      >
        {searchFieldNames.map((f) => (
          <option value={f}>{fieldLabels[f]}</option>
        ))}
      </select>
      <select aria-label={`Operator of ${name}`} value={row.op} onChange={(e) => onChange({ op: (e.currentTarget as HTMLSelectElement).value as SearchOperator })}>
        {operatorsFor(row.field).map((op) => (
          <option value={op}>{opLabels[op]}</option>
        ))}
      </select>
      {value}
      <button type="button" aria-label={`Remove ${name}`} onClick={onRemove}>
        ×
      </button>
      {error && (
        <p class="field-error" id={errorId}>
          {error}
        </p>
      )}
    </li>
  );
}
