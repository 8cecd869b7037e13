// Dispositions: the outcomes an agent picks when closing a ticket, kept per account in its
// conversation settings, and whether closing needs one (Mandatory Disposition).
import { useEffect, useState } from "preact/hooks";
import type { SectionProps } from "./admin";
import { errorAt, fieldErrorsOf, listAccounts, messageOf, refusalSummary, updateAccount, type Account } from "./data";
import { CheckboxField, SelectField, TextField } from "./form";
import { Listing } from "./section";
import { AlertLine, OutcomeLine, type Outcome } from "../notices";

function AccountDispositions({ token, account, readOnly, onSaved }: { token: string; account: Account; readOnly: boolean; onSaved(a: Account): void }) {
  const [list, setList] = useState<string[]>(account.conversation.dispositions ?? []);
  const [mandatory, setMandatory] = useState(account.conversation.mandatoryDisposition === true);
  const [adding, setAdding] = useState("");
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [outcome, setOutcome] = useState<Outcome | null>(null);
  const [busy, setBusy] = useState(false);

  const add = (e: Event) => {
    e.preventDefault();
    const value = adding.trim();
    if (!value) return;
    if (list.includes(value)) {
      setErrors({ adding: "Already in the list" });
      return;
    }
    setList([...list, value]);
    setAdding("");
    setErrors({});
    setOutcome(null);
  };

  const save = async () => {
    setBusy(true);
    setOutcome(null);
    try {
      // Conversation settings are replaced as a whole: the rest goes back as it was read.
      const saved = await updateAccount(token, account.id, { conversation: { ...account.conversation, dispositions: list, mandatoryDisposition: mandatory } });
      setErrors({});
      setOutcome({ ok: true, text: "Dispositions saved" });
      onSaved(saved);
    } catch (err) {
      const fields = fieldErrorsOf(err);
      setErrors(fields);
      setOutcome({ ok: false, text: refusalSummary(err, fields) });
    } finally {
      setBusy(false);
    }
  };

  return (
    <section class="dispositions-of" aria-label={`Dispositions of ${account.name}`}>
      {list.length === 0 ? (
        <p class="empty">No dispositions: agents close tickets without one.</p>
      ) : (
        <ul class="chip-list" aria-label="Dispositions">
          {list.map((d, i) => (
            <li key={d}>
              <span>{d}</span>
              {errorAt(errors, `conversation.dispositions.${i}`) && <small class="field-error">{errorAt(errors, `conversation.dispositions.${i}`)}</small>}
              {!readOnly && (
                <button type="button" onClick={() => setList(list.filter((x) => x !== d))}>
                  Remove {d}
                </button>
              )}
            </li>
          ))}
        </ul>
      )}
      {!readOnly && (
        <form class="inline-add" aria-label="Add a disposition" onSubmit={add} noValidate>
          <TextField label="New disposition" maxLength={100} value={adding} error={errors.adding ?? errors["conversation.dispositions"]} onInput={setAdding} />
          <button type="submit">Add disposition</button>
        </form>
      )}
      <CheckboxField
        label="Mandatory on close"
        hint="Agents cannot close a ticket of this account without choosing one of these"
        checked={mandatory}
        disabled={readOnly}
        error={errors["conversation.mandatoryDisposition"]}
        onChange={setMandatory}
      />
      {!readOnly && (
        <button type="button" class="primary" disabled={busy} onClick={() => void save()}>
          Save dispositions
        </button>
      )}
      <OutcomeLine outcome={outcome} />
    </section>
  );
}

export function Dispositions({ token, role }: SectionProps) {
  const [accounts, setAccounts] = useState<Account[] | null>(null);
  const [accountId, setAccountId] = useState("");
  const [failure, setFailure] = useState<string | null>(null);
  useEffect(() => {
    listAccounts(token).then(
      (a) => (setAccounts(a), setAccountId((id) => id || (a[0]?.id ?? ""))),
      (err) => setFailure(messageOf(err)),
    );
  }, [token]);
  const account = accounts?.find((a) => a.id === accountId);
  return (
    <div class="dispositions">
      <h2>Dispositions</h2>
      <p class="hint">Each account has its own list: an agent closing a ticket picks its outcome from the list of the ticket's account.</p>
      <AlertLine text={failure} />
      <Listing items={accounts} loading="Loading accounts…" empty="No accounts yet: dispositions belong to an account.">
        {(accounts) => (
          <>
            <SelectField label="Account" value={accountId} options={accounts.map((a) => ({ value: a.id, label: a.name }))} onChange={setAccountId} />
            {account && (
              <AccountDispositions
                key={account.id}
                token={token}
                account={account}
                readOnly={role !== "admin"}
                onSaved={(saved) => setAccounts(accounts.map((a) => (a.id === saved.id ? saved : a)))}
              />
            )}
          </>
        )}
      </Listing>
    </div>
  );
}
