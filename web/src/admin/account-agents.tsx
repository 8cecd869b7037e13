// The agents who work an account (the members of its queue): listed, added from the users, removed.
import { useEffect, useState } from "preact/hooks";
import { accountAgents, addAccountAgents, listUsers, messageOf, removeAccountAgent, type Account, type Agent, type User } from "./data";
import { Listing } from "./section";
import { Person, UserPicker } from "./user-picker";
import { AlertLine } from "../notices";

export function AccountAgents({ token, account, readOnly }: { token: string; account: Account; readOnly: boolean }) {
  const [agents, setAgents] = useState<Agent[] | null>(null);
  const [users, setUsers] = useState<User[] | null>(null);
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
      (u) => setUsers(u),
      (err) => setFailure(messageOf(err)),
    );

  const addable = (users ?? []).filter((u) => u.active && !agents?.some((a) => a.id === u.id));
  return (
    <section class="account-agents" aria-label="Agents of the account">
      <h3>Agents</h3>
      <p class="hint">The members of the account's queue: they get its conversations.</p>
      <Listing items={agents} loading="Loading agents…" empty="No agents yet.">
        {(agents) => (
          <ul class="agent-list" aria-label="Agents">
            {agents.map((a) => (
              <li key={a.id}>
                <Person p={a} />
                {!readOnly && (
                  <button type="button" disabled={busy} onClick={() => void run(() => removeAccountAgent(token, account, a.id))}>
                    Remove {a.displayName}
                  </button>
                )}
              </li>
            ))}
          </ul>
        )}
      </Listing>
      {!readOnly &&
        (users === null ? (
          <button type="button" onClick={openPicker}>
            Add agents
          </button>
        ) : (
          <UserPicker
            legend="Add agents"
            addable={addable}
            noneLeft="Every active user works this account already."
            addLabel="Add selected agents"
            busy={busy}
            onAdd={(ids) =>
              void run(async () => {
                await addAccountAgents(token, account, ids);
                setUsers(null);
              })
            }
            onCancel={() => setUsers(null)}
          />
        ))}
      <AlertLine text={failure} />
    </section>
  );
}
