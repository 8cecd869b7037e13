// Channel accounts of every provider: the list, a new account, and one account's form, setup and agents.
import { useEffect, useState } from "preact/hooks";
import { AccountAgents } from "./account-agents";
import { AccountForm } from "./account-form";
import { providerForms } from "./account-providers";
import { RevealedOnce, SetupHelp, revealedLabel } from "./account-setup";
import type { SectionProps } from "./admin";
import { deleteAccount, listAccounts, listQueues, messageOf, type Account, type QueueSummary } from "./data";
import { BackButton, DeleteButton, ListTable, SectionHead } from "./section";
import { AlertLine, StatusLine } from "../notices";

type View = { kind: "list" } | { kind: "new" } | { kind: "open"; id: string };

function StatusCell({ a }: { a: Account }) {
  return (
    <>
      <span class={`pill status-${a.status}`}>{a.status}</span>
      {a.statusReason && <small class="reason">{a.statusReason}</small>}
      {a.authFailureCount > 0 && (
        <small class="reason">
          {a.authFailureCount} refused webhook{a.authFailureCount === 1 ? "" : "s"}
          {a.lastAuthFailure ? `, last: ${a.lastAuthFailure}` : ""}
        </small>
      )}
      {a.lastDeliveryError && <small class="reason">Last delivery error: {a.lastDeliveryError}</small>}
    </>
  );
}

export function Accounts({ token, role }: SectionProps) {
  const readOnly = role !== "admin";
  const [accounts, setAccounts] = useState<Account[] | null>(null);
  const [queues, setQueues] = useState<QueueSummary[]>([]);
  const [view, setView] = useState<View>({ kind: "list" });
  const [revealed, setRevealed] = useState<Record<string, string> | null>(null);
  const [failure, setFailure] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);

  const reload = () =>
    Promise.all([listAccounts(token), listQueues(token)]).then(
      ([a, q]) => {
        setAccounts(a);
        setQueues(q);
      },
      (err) => setFailure(messageOf(err)),
    );
  useEffect(() => void reload(), [token]);

  const saved = (a: Account) => {
    const { revealed: shown, ...account } = a;
    if (shown && Object.keys(shown).length > 0) setRevealed(shown);
    setAccounts((list) => [...(list ?? []).filter((x) => x.id !== a.id), account].sort((x, y) => x.name.localeCompare(y.name)));
    setView({ kind: "open", id: a.id });
  };

  const queueName = (id: string) => queues.find((q) => q.id === id)?.name ?? id;
  const open = view.kind === "open" ? accounts?.find((a) => a.id === view.id) : undefined;

  if (view.kind === "new" || open) {
    return (
      <div class="account-detail">
        <BackButton to="All accounts" onClick={() => (setView({ kind: "list" }), setRevealed(null), setFailure(null), void reload())} />
        <h2>{open ? open.name : "New account"}</h2>
        {revealed && open && <RevealedOnce revealed={revealed} labelOf={(k) => revealedLabel(open.provider, k)} onDismiss={() => setRevealed(null)} />}
        {open && <SetupHelp token={token} account={open} readOnly={readOnly} onChanged={saved} />}
        <AccountForm key={open?.id ?? "new"} token={token} queues={queues} account={open} readOnly={readOnly} onSaved={saved} onCancel={() => setView({ kind: "list" })} />
        {open && <AccountAgents token={token} account={open} readOnly={readOnly} />}
        {open && !readOnly && (
          <DeleteButton
            label="Delete account"
            question={`Delete the account ${open.name}? Its receive URL stops working at once. Only an account without tickets can be deleted.`}
            remove={() => deleteAccount(token, open.id)}
            onDeleted={() => {
              setAccounts((list) => list?.filter((x) => x.id !== open.id) ?? null);
              setView({ kind: "list" });
              setRevealed(null);
              setNotice(`Account ${open.name} deleted`);
              void reload();
            }}
            onFailure={setFailure}
          />
        )}
        <AlertLine text={failure} />
      </div>
    );
  }

  return (
    <div class="accounts">
      <SectionHead title="Accounts" newLabel="New account" onNew={readOnly ? undefined : () => (setFailure(null), setNotice(null), setView({ kind: "new" }))} />
      <AlertLine text={failure} />
      <StatusLine text={notice} />
      <ListTable items={accounts} loading="Loading accounts…" empty="No accounts yet." label="Accounts" class="admin-table" columns={["Name", "Key", "Provider", "Queue", "Status"]}>
        {(a) => (
          <tr key={a.id}>
            <td data-label="Name">{a.name}</td>
            <td data-label="Key">{a.shortKey ?? "—"}</td>
            <td data-label="Provider">{providerForms[a.provider]?.label ?? a.provider}</td>
            <td data-label="Queue">{queueName(a.queueId)}</td>
            <td data-label="Status">
              <StatusCell a={a} />
            </td>
            <td>
              <button type="button" onClick={() => (setFailure(null), setNotice(null), setView({ kind: "open", id: a.id }))}>
                Open {a.name}
              </button>
            </td>
          </tr>
        )}
      </ListTable>
    </div>
  );
}
