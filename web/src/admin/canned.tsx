// Canned answers: global ones and each account's, by shortcut.
import { useEffect, useState } from "preact/hooks";
import type { SectionProps } from "./admin";
import { createCanned, deleteCanned, fieldErrorsOf, listAccounts, listCanned, messageOf, updateCanned, type Account, type Canned } from "./data";
import { SelectField, TextField } from "./form";
import { useSave } from "./save";
import { ListTable, SectionHead } from "./section";
import { AlertLine } from "../notices";

type Draft = { id?: string; scope: string; shortcut: string; body: string };

function CannedForm({ token, draft, accounts, onSaved, onCancel }: { token: string; draft: Draft; accounts: Account[]; onSaved(c: Canned): void; onCancel(): void }) {
  const [v, setV] = useState(draft);
  const saving = useSave(fieldErrorsOf);
  const { errors } = saving;
  const submit = (e: Event) => {
    const body = { scope: v.scope, shortcut: v.shortcut.trim(), body: v.body };
    return saving.submit(e, () => (v.id ? updateCanned(token, v.id, body) : createCanned(token, body)), onSaved);
  };
  const scopes = [{ value: "global", label: "Global (every account)" }, ...accounts.map((a) => ({ value: a.id, label: a.name }))];
  return (
    <form class="admin-form" aria-label={v.id ? `Canned answer ${draft.shortcut}` : "New canned answer"} onSubmit={submit} noValidate>
      <fieldset class="group">
        <legend>{v.id ? `Edit ${draft.shortcut}` : "New canned answer"}</legend>
        <SelectField label="Scope" value={v.scope} options={scopes} error={errors.scope} onChange={(scope) => setV({ ...v, scope })} />
        <TextField label="Shortcut" hint="1–32 of a–z, 0–9, _ and -: what agents type to use it" value={v.shortcut} error={errors.shortcut} onInput={(shortcut) => setV({ ...v, shortcut })} />
        <TextField
          label="Text"
          multiline
          hint="Variables such as {{contact.firstName}} are filled in when an agent sends it"
          value={v.body}
          error={errors.body}
          onInput={(body) => setV({ ...v, body })}
        />
        <div class="actions">
          <button type="submit" class="primary" disabled={saving.busy}>
            {v.id ? "Save canned answer" : "Create canned answer"}
          </button>
          <button type="button" onClick={onCancel}>
            Cancel
          </button>
        </div>
        <AlertLine text={saving.banner} />
      </fieldset>
    </form>
  );
}

export function CannedAnswers({ token }: SectionProps) {
  const [items, setItems] = useState<Canned[] | null>(null);
  const [accounts, setAccounts] = useState<Account[]>([]);
  const [scope, setScope] = useState("");
  const [draft, setDraft] = useState<Draft | null>(null);
  const [failure, setFailure] = useState<string | null>(null);

  const reload = () =>
    Promise.all([listCanned(token), listAccounts(token)]).then(
      ([c, a]) => (setItems(c), setAccounts(a)),
      (err) => setFailure(messageOf(err)),
    );
  useEffect(() => void reload(), [token]);

  const scopeName = (s: string) => (s === "global" ? "Global" : (accounts.find((a) => a.id === s)?.name ?? s));
  const shown = (items ?? []).filter((c) => !scope || c.scope === scope);
  return (
    <div class="canned">
      <SectionHead title="Canned answers" newLabel="New canned answer" onNew={() => setDraft({ scope: scope || "global", shortcut: "", body: "" })} />
      {draft && (
        <CannedForm
          key={draft.id ?? "new"}
          token={token}
          draft={draft}
          accounts={accounts}
          onSaved={() => (setDraft(null), void reload())}
          onCancel={() => setDraft(null)}
        />
      )}
      <SelectField
        label="Show"
        value={scope}
        options={[{ value: "", label: "All answers" }, { value: "global", label: "Global" }, ...accounts.map((a) => ({ value: a.id, label: a.name }))]}
        onChange={setScope}
      />
      <AlertLine text={failure} />
      <ListTable items={items === null ? null : shown} loading="Loading canned answers…" empty="No canned answers here yet." label="Canned answers" class="admin-table" columns={["Shortcut", "Scope", "Text"]}>
        {(c) => (
          <tr key={c.id}>
            <td data-label="Shortcut">
              <code>{c.shortcut}</code>
            </td>
            <td data-label="Scope">{scopeName(c.scope)}</td>
            <td data-label="Text" class="wrap">
              {c.body}
            </td>
            <td class="row-actions">
              <button type="button" onClick={() => setDraft({ ...c })}>
                Edit {c.shortcut}
              </button>
              <button
                type="button"
                onClick={() => {
                  if (!confirm(`Delete the canned answer ${c.shortcut}?`)) return;
                  deleteCanned(token, c.id).then(reload, (err) => setFailure(messageOf(err)));
                }}
              >
                Delete {c.shortcut}
              </button>
            </td>
          </tr>
        )}
      </ListTable>
    </div>
  );
}
