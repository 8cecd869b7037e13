// The agents who work a queue, with their weight in it: listed, added from the users, re-weighed, removed.
import { useEffect, useState } from "preact/hooks";
import { listMembers, listUsers, messageOf, removeMember, setMember, type Member, type User } from "./data";
import { NumberField } from "./form";
import { Listing } from "./section";
import { Person, UserPicker } from "./user-picker";
import { OutcomeLine, type Outcome } from "../notices";

export function QueueMembers({ token, queueId, queueName, readOnly }: { token: string; queueId: string; queueName: string; readOnly: boolean }) {
  const [members, setMembers] = useState<Member[] | null>(null);
  const [users, setUsers] = useState<User[] | null>(null);
  const [weights, setWeights] = useState<Record<string, number | undefined>>({});
  const [outcome, setOutcome] = useState<Outcome | null>(null);
  const [busy, setBusy] = useState(false);

  const reload = () =>
    listMembers(token, queueId).then(
      (m) => (setMembers(m), setWeights(Object.fromEntries(m.map((x) => [x.userId, x.weight])))),
      (err) => setOutcome({ ok: false, text: messageOf(err) }),
    );
  useEffect(() => void reload(), [queueId]);

  const run = async (what: () => Promise<void>, done: string) => {
    setBusy(true);
    setOutcome(null);
    try {
      await what();
      await reload();
      setOutcome({ ok: true, text: done });
    } catch (err) {
      setOutcome({ ok: false, text: messageOf(err) });
    } finally {
      setBusy(false);
    }
  };

  const addable = (users ?? []).filter((u) => u.active && !members?.some((m) => m.userId === u.id));
  return (
    <section class="account-agents" aria-label={`Members of ${queueName}`}>
      <h3>Members</h3>
      <p class="hint">The agents who work this queue; their weight is their share of its tickets under the percentage strategy (0–100).</p>
      <Listing items={members} loading="Loading members…" empty="No members yet: nobody gets this queue's tickets.">
        {(members) => (
          <ul class="agent-list" aria-label="Members">
            {members.map((m) => (
              <li key={m.userId}>
                <Person p={m} />
                <span class="member-actions">
                  <NumberField
                    label={`Weight of ${m.displayName}`}
                    min={0}
                    max={100}
                    value={weights[m.userId]}
                    readOnly={readOnly}
                    onInput={(w) => setWeights({ ...weights, [m.userId]: w })}
                  />
                  {!readOnly && (
                    <>
                      <button
                        type="button"
                        aria-label={`Save weight of ${m.displayName}`}
                        disabled={busy || weights[m.userId] === m.weight}
                        onClick={() => void run(() => setMember(token, queueId, m.userId, weights[m.userId]).then(() => undefined), `Weight of ${m.displayName} saved`)}
                      >
                        Save weight
                      </button>
                      <button type="button" aria-label={`Remove ${m.displayName}`} disabled={busy} onClick={() => void run(() => removeMember(token, queueId, m.userId).then(() => undefined), `${m.displayName} removed`)}>
                        Remove
                      </button>
                    </>
                  )}
                </span>
              </li>
            ))}
          </ul>
        )}
      </Listing>
      {!readOnly &&
        (users === null ? (
          <button type="button" onClick={() => void listUsers(token).then(setUsers, (err) => setOutcome({ ok: false, text: messageOf(err) }))}>
            Add members
          </button>
        ) : (
          <UserPicker
            legend="Add members"
            addable={addable}
            noneLeft="Every active user is a member already."
            addLabel="Add selected members"
            showRole
            busy={busy}
            onAdd={(ids) =>
              void run(async () => {
                for (const id of ids) await setMember(token, queueId, id);
                setUsers(null);
              }, "Members added")
            }
            onCancel={() => setUsers(null)}
          />
        ))}
      <OutcomeLine outcome={outcome} />
    </section>
  );
}
