import { useEffect, useState } from "preact/hooks";
import { ApiFailure, request } from "../api";
import type { SectionProps } from "./admin";
import { choiceLabel } from "./queue-fields";
import { QueueForm, type QueueView } from "./queue-form";
import { QueueMembers } from "./queue-members";
import { BackButton, ListTable, SectionHead, useOpenItem } from "./section";
import { useTemplates } from "./template-choice";
import { AlertLine } from "../notices";

type UserRow = { id: string; displayName: string | null; email: string; role: string; active: boolean };

/** Queues: the list, and one queue's form (new, or an existing one; read-only for supervisors). */
export function Queues({ token, role }: SectionProps) {
  const [queues, setQueues] = useState<QueueView[] | null>(null);
  const [agents, setAgents] = useState<{ id: string; name: string }[]>([]);
  const [error, setError] = useState<string | null>(null);
  const templates = useTemplates(token);
  const readOnly = role !== "admin";

  const load = () =>
    request<{ items: QueueView[] }>("/api/v1/queues", { token })
      .then((r) => setQueues(r.items))
      .catch((e: unknown) => setError(e instanceof ApiFailure ? e.message : String(e)));
  const { editing, opened, open, saved, back } = useOpenItem<QueueView>(() => void load());
  useEffect(() => {
    void load();
    request<{ items: UserRow[] }>("/api/v1/users", { token })
      .then((r) => setAgents(r.items.filter((u) => u.active).map((u) => ({ id: u.id, name: u.displayName ?? u.email }))))
      .catch(() => setAgents([]));
  }, [token]);

  if (editing) {
    return (
      <>
        <BackButton to="All queues" onClick={back} />
        <QueueForm
          key={opened}
          token={token}
          queue={editing === "new" ? null : editing}
          queues={(queues ?? []).map((q) => ({ id: q.id, name: q.name }))}
          agents={agents}
          templates={templates}
          readOnly={readOnly}
          onSaved={saved}
          onCancel={back}
        />
        {editing !== "new" && <QueueMembers key={editing.id} token={token} queueId={editing.id} queueName={editing.name} readOnly={role !== "admin" && role !== "supervisor"} />}
      </>
    );
  }

  return (
    <section class="admin-list" aria-labelledby="queues-title">
      <SectionHead title="Queues" titleId="queues-title" class="list-head" newLabel="New queue" onNew={readOnly ? undefined : () => open("new")} />
      <AlertLine text={error} class="banner error" />
      {readOnly && <p class="hint">Read-only: only admins change queues.</p>}
      <ListTable items={queues} loading="Loading…" empty="No queues yet." label="Queues" wrap="table-scroll" columns={["Name", "Strategy", "Ring time", "Priority", "Action plan"]}>
        {(q) => {
          const r = q.routing as { strategy?: string; agentRingTimeS?: number; priority?: number; actionPlan?: { steps: unknown[]; timeRules: unknown[] } };
          return (
            <tr key={q.id}>
              <td>{q.name}</td>
              <td>{choiceLabel(r.strategy ?? "")}</td>
              <td>{r.agentRingTimeS} s</td>
              <td>{r.priority}</td>
              <td>{r.actionPlan ? `${r.actionPlan.steps.length} steps, ${r.actionPlan.timeRules.length} time rules` : "—"}</td>
              <td>
                <button type="button" onClick={() => open(q)}>
                  {readOnly ? `View ${q.name}` : `Edit ${q.name}`}
                </button>
              </td>
            </tr>
          );
        }}
      </ListTable>
    </section>
  );
}
