// The action plan editor: default steps, and weekly time rules each with their own steps.
import { NumberField, SelectField, TextField } from "./form";
import { WindowEditor, type ErrorsAt, type WeeklyWindow } from "./hours-editor";

type Destination = { queueId: string } | { agentId: string };
export type PlanStep = { to: Destination; timeoutS?: number };
export type TimeRule = { when: WeeklyWindow; steps: PlanStep[] };
export type ActionPlan = { steps: PlanStep[]; timezone: string; timeRules: TimeRule[] };

export type Choice = { id: string; name: string };

const MAX_STEPS = 10;
const MAX_RULES = 20;

function StepsEditor({
  label,
  steps,
  onChange,
  path,
  errorAt,
  queues,
  agents,
  readOnly,
}: {
  label: string;
  steps: PlanStep[];
  onChange(s: PlanStep[]): void;
  path: string;
  errorAt: ErrorsAt;
  queues: Choice[];
  agents: Choice[];
  readOnly?: boolean;
}) {
  const set = (i: number, s: PlanStep) => onChange(steps.map((x, j) => (j === i ? s : x)));
  const groupError = errorAt(path);
  return (
    <div class="steps" role="group" aria-label={label}>
      {groupError && (
        <small class="field-error" role="alert">
          {groupError}
        </small>
      )}
      {steps.length === 0 && <p class="empty">No steps: an untaken ticket keeps waiting here.</p>}
      <ol>
        {steps.map((s, i) => {
          const name = `${label} ${i + 1}`;
          const kind = "queueId" in s.to ? "queue" : "agent";
          const target = "queueId" in s.to ? s.to.queueId : s.to.agentId;
          const choices = kind === "queue" ? queues : agents;
          return (
            <li key={i} class="list-item row">
              <SelectField
                label={`${name} goes to`}
                value={kind}
                disabled={readOnly}
                options={[
                  { value: "queue", label: "Queue" },
                  { value: "agent", label: "Agent" },
                ]}
                onChange={(k) => set(i, { ...s, to: k === "queue" ? { queueId: queues[0]?.id ?? "" } : { agentId: agents[0]?.id ?? "" } })}
              />
              <SelectField
                label={`${name} ${kind}`}
                value={target}
                disabled={readOnly}
                error={errorAt(`${path}.${i}.to`)}
                options={[...(choices.some((c) => c.id === target) ? [] : [{ value: target, label: target || "Choose…" }]), ...choices.map((c) => ({ value: c.id, label: c.name }))]}
                onChange={(v) => set(i, { ...s, to: kind === "queue" ? { queueId: v } : { agentId: v } })}
              />
              <NumberField
                label={`${name} wait`}
                unit="s"
                min={5}
                max={86400}
                defaultValue={60}
                value={s.timeoutS}
                readOnly={readOnly}
                error={errorAt(`${path}.${i}.timeoutS`)}
                onInput={(timeoutS) => set(i, { ...s, timeoutS })}
              />
              {!readOnly && (
                <button type="button" onClick={() => onChange(steps.filter((_, j) => j !== i))}>
                  Remove {name.toLowerCase()}
                </button>
              )}
            </li>
          );
        })}
      </ol>
      {!readOnly && steps.length < MAX_STEPS && (
        <button type="button" onClick={() => onChange([...steps, { to: { queueId: queues[0]?.id ?? "" }, timeoutS: 60 }])}>
          Add {label.toLowerCase()}
        </button>
      )}
    </div>
  );
}

export function ActionPlanEditor({
  value,
  onChange,
  errorAt,
  queues,
  agents,
  readOnly,
}: {
  value: ActionPlan;
  onChange(p: ActionPlan): void;
  errorAt: ErrorsAt;
  queues: Choice[];
  agents: Choice[];
  readOnly?: boolean;
}) {
  const path = "routing.actionPlan";
  return (
    <div class="plan-editor">
      <p class="hint">A ticket nobody takes within Wait For The Assigned Queue goes to each step in turn. The first time rule whose window holds the moment replaces the default steps.</p>
      <TextField label="Plan time zone" value={value.timezone} readOnly={readOnly} error={errorAt(`${path}.timezone`)} hint="IANA name, e.g. Europe/Istanbul" onInput={(timezone) => onChange({ ...value, timezone })} />
      <h4>Default steps</h4>
      <StepsEditor label="Step" steps={value.steps} onChange={(steps) => onChange({ ...value, steps })} path={`${path}.steps`} errorAt={errorAt} queues={queues} agents={agents} readOnly={readOnly} />
      <h4>Time rules</h4>
      {value.timeRules.length === 0 && <p class="empty">No time rules.</p>}
      {value.timeRules.map((r, i) => {
        const at = `${path}.timeRules.${i}`;
        const set = (nr: TimeRule) => onChange({ ...value, timeRules: value.timeRules.map((x, j) => (j === i ? nr : x)) });
        return (
          <div class="list-item rule" key={i} role="group" aria-label={`Time rule ${i + 1}`}>
            <WindowEditor label={`Rule ${i + 1}`} value={r.when} onChange={(when) => set({ ...r, when })} path={`${at}.when`} errorAt={errorAt} readOnly={readOnly} />
            <StepsEditor label={`Rule ${i + 1} step`} steps={r.steps} onChange={(steps) => set({ ...r, steps })} path={`${at}.steps`} errorAt={errorAt} queues={queues} agents={agents} readOnly={readOnly} />
            {!readOnly && (
              <button type="button" onClick={() => onChange({ ...value, timeRules: value.timeRules.filter((_, j) => j !== i) })}>
                Remove time rule {i + 1}
              </button>
            )}
          </div>
        );
      })}
      {!readOnly && value.timeRules.length < MAX_RULES && (
        <button
          type="button"
          onClick={() =>
            onChange({
              ...value,
              timeRules: [...value.timeRules, { when: { days: ["mon", "tue", "wed", "thu", "fri"], from: "18:00", to: "09:00" }, steps: [{ to: { queueId: queues[0]?.id ?? "" }, timeoutS: 60 }] }],
            })
          }
        >
          Add time rule
        </button>
      )}
    </div>
  );
}
