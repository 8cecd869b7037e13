// A user's queues, and their weight in each (the share of tickets under the percentage strategy).
import { useEffect, useState } from "preact/hooks";
import { listQueues, messageOf, removeMember, setMember, userQueues, type QueueSummary } from "./data";
import { CheckboxField, Group, NumberField } from "./form";

type Row = { queue: QueueSummary; member: boolean; weight: number | undefined; was: { member: boolean; weight: number | undefined } };

export function UserMemberships({ token, userId, readOnly }: { token: string; userId: string; readOnly: boolean }) {
  const [rows, setRows] = useState<Row[] | null>(null);
  const [outcome, setOutcome] = useState<{ ok: boolean; text: string } | null>(null);
  const [busy, setBusy] = useState(false);

  const load = async () => {
    const [queues, mine] = await Promise.all([listQueues(token), userQueues(token, userId)]);
    setRows(
      queues.map((queue) => {
        const m = mine.find((x) => x.queueId === queue.id);
        const state = { member: m !== undefined, weight: m?.weight };
        return { queue, ...state, was: state };
      }),
    );
  };
  useEffect(() => {
    load().catch((err) => setOutcome({ ok: false, text: messageOf(err) }));
  }, [userId]);

  const save = async () => {
    if (!rows) return;
    setBusy(true);
    setOutcome(null);
    try {
      for (const r of rows) {
        if (r.member && (!r.was.member || r.weight !== r.was.weight)) await setMember(token, r.queue.id, userId, r.weight);
        else if (!r.member && r.was.member) await removeMember(token, r.queue.id, userId);
      }
      await load();
      setOutcome({ ok: true, text: "Memberships saved" });
    } catch (err) {
      setOutcome({ ok: false, text: messageOf(err) });
    } finally {
      setBusy(false);
    }
  };

  const change = (i: number, patch: Partial<Row>) => setRows(rows!.map((r, j) => (j === i ? { ...r, ...patch } : r)));
  return (
    <Group title="Queues">
      {rows === null ? (
        <p role="status">Loading queues…</p>
      ) : rows.length === 0 ? (
        <p class="empty">No queues yet.</p>
      ) : (
        <div class="memberships">
          {rows.map((r, i) => (
            <div class="membership" key={r.queue.id}>
              <CheckboxField label={`Member of ${r.queue.name}`} checked={r.member} disabled={readOnly} onChange={(v) => change(i, { member: v })} />
              {r.member && (
                <NumberField
                  label={`Weight in ${r.queue.name}`}
                  hint="Share of the queue's tickets under the percentage strategy, 0–100"
                  min={0}
                  max={100}
                  value={r.weight}
                  readOnly={readOnly}
                  onInput={(v) => change(i, { weight: v })}
                />
              )}
            </div>
          ))}
        </div>
      )}
      {!readOnly && rows && rows.length > 0 && (
        <button type="button" disabled={busy} onClick={() => void save()}>
          Save memberships
        </button>
      )}
      {outcome && (
        <p class={outcome.ok ? "ok" : "error"} role={outcome.ok ? "status" : "alert"}>
          {outcome.text}
        </p>
      )}
    </Group>
  );
}
