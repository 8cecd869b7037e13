// The agents who work an account (the members of its queue): listed, added from the users, removed.
import { useEffect, useState } from "preact/hooks";
import { accountAgents, addAccountAgents, listUsers, messageOf, removeAccountAgent, type Account, type Agent, type User } from "./data";

export function AccountAgents({ token, account, readOnly }: { token: string; account: Account; readOnly: boolean }) {
  const [agents, setAgents] = useState<Agent[] | null>(null);
  const [users, setUsers] = useState<User[] | null>(null);
  const [picked, setPicked] = useState<Set<string>>(new Set());
  const [failure, setFailure] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const reload = () =>
    accountAgents(token, account).then(
      (a) => setAgents(a),
      (err) => setFailure(messageOf(err)),
    );
  useEffect(() => {
    setAgents(null);
    void reload();
  }, [account.id, account.queueId]);

  const run = async (what: () => Promise<void>) => {
    setBusy(true);
    setFailure(null);
    try {
      await what();
      await reload();
    } catch (err) {
      setFailure(messageOf(err));
    } finally {
      setBusy(false);
    }
  };

  const openPicker = () =>
    void listUsers(token).then(
      (u) => {
        setUsers(u);
        setPicked(new Set());
      },
      (err) => setFailure(messageOf(err)),
    );

  const addable = (users ?? []).filter((u) => u.active && !agents?.some((a) => a.id === u.id));
  return (
    <section class="account-agents" aria-label="Agents of the account">
      <h3>Agents</h3>
      <p class="hint">The members of the account's queue: they get its conversations.</p>
      {agents === null ? (
        <p role="status">Loading agents…</p>
      ) : agents.length === 0 ? (
        <p class="empty">No agents yet.</p>
      ) : (
        <ul class="agent-list" aria-label="Agents">
          {agents.map((a) => (
            <li key={a.id}>
              <span>
                {a.displayName} <small>{a.email}</small> <small>{a.role}</small>
                {!a.active && <small> (inactive)</small>}
              </span>
              {!readOnly && (
                <button type="button" disabled={busy} onClick={() => void run(() => removeAccountAgent(token, account, a.id))}>
                  Remove {a.displayName}
                </button>
              )}
            </li>
          ))}
        </ul>
      )}
      {!readOnly &&
        (users === null ? (
          <button type="button" onClick={openPicker}>
            Add agents
          </button>
        ) : (
          <fieldset class="group picker">
            <legend>Add agents</legend>
            {addable.length === 0 && <p class="empty">Every active user works this account already.</p>}
            {addable.map((u) => (
              <label key={u.id} class="pick">
                <input
                  type="checkbox"
                  checked={picked.has(u.id)}
                  onChange={(e) => {
                    const next = new Set(picked);
                    if ((e.currentTarget as HTMLInputElement).checked) next.add(u.id);
                    else next.delete(u.id);
                    setPicked(next);
                  }}
                />
                {u.displayName} <small>{u.email}</small>
              </label>
            ))}
            <div class="actions">
              <button
                type="button"
                class="primary"
                disabled={busy || picked.size === 0}
                onClick={() =>
                  void run(async () => {
                    await addAccountAgents(token, account, [...picked]);
                    setUsers(null);
                  })
                }
              >
                Add selected agents
              </button>
              <button type="button" onClick={() => setUsers(null)}>
                Cancel
              </button>
            </div>
          </fieldset>
        ))}
      {failure && (
        <p class="error" role="alert">
          {failure}
        </p>
      )}
    </section>
  );
}
