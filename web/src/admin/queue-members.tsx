// The agents who work a queue, with their weight in it: listed, added from the users, re-weighed, removed.
import { useEffect, useState } from "preact/hooks";
import { listMembers, listUsers, messageOf, removeMember, setMember, type Member, type User } from "./data";
import { NumberField } from "./form";

export function QueueMembers({ token, queueId, queueName, readOnly }: { token: string; queueId: string; queueName: string; readOnly: boolean }) {
  const [members, setMembers] = useState<Member[] | null>(null);
  const [users, setUsers] = useState<User[] | null>(null);
  const [picked, setPicked] = useState<Set<string>>(new Set());
  const [weights, setWeights] = useState<Record<string, number | undefined>>({});
  const [outcome, setOutcome] = useState<{ ok: boolean; text: string } | null>(null);
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
      {members === null ? (
        <p role="status">Loading members…</p>
      ) : members.length === 0 ? (
        <p class="empty">No members yet: nobody gets this queue's tickets.</p>
      ) : (
        <ul class="agent-list" aria-label="Members">
          {members.map((m) => (
            <li key={m.userId}>
              <span>
                {m.displayName} <small>{m.email}</small> <small>{m.role}</small>
                {!m.active && <small> (inactive)</small>}
              </span>
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
      {!readOnly &&
        (users === null ? (
          <button type="button" onClick={() => void listUsers(token).then((u) => (setUsers(u), setPicked(new Set())), (err) => setOutcome({ ok: false, text: messageOf(err) }))}>
            Add members
          </button>
        ) : (
          <fieldset class="group picker">
            <legend>Add members</legend>
            {addable.length === 0 && <p class="empty">Every active user is a member already.</p>}
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
                {u.displayName} <small>{u.email}</small> <small>{u.role}</small>
              </label>
            ))}
            <div class="actions">
              <button
                type="button"
                class="primary"
                disabled={busy || picked.size === 0}
                onClick={() =>
                  void run(async () => {
                    for (const id of picked) await setMember(token, queueId, id);
                    setUsers(null);
                  }, "Members added")
                }
              >
                Add selected members
              </button>
              <button type="button" onClick={() => setUsers(null)}>
                Cancel
              </button>
            </div>
          </fieldset>
        ))}
      {outcome && (
        <p class={outcome.ok ? "ok" : "error"} role={outcome.ok ? "status" : "alert"}>
          {outcome.text}
        </p>
      )}
    </section>
  );
}
