// Weekly windows and business hours with holidays, as the routing and conversation schemas take them.
import { CheckboxField, TextField } from "./form";

export const weekdays = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"] as const;
export type Weekday = (typeof weekdays)[number];
export type WeeklyWindow = { days: Weekday[]; from: string; to: string };
export type Holiday = { date: string; name?: string; from?: string; to?: string };
export type BusinessHours = { timezone: string; windows: WeeklyWindow[]; holidays: Holiday[] };

const dayNames: Record<Weekday, string> = { mon: "Mon", tue: "Tue", wed: "Wed", thu: "Thu", fri: "Fri", sat: "Sat", sun: "Sun" };

/** Errors for one field path, as the API gave them ("routing.businessHours.windows.0.to"). */
export type ErrorsAt = (path: string) => string | undefined;

/** A window's days and times; `label` names it for assistive technology ("Window 1"). */
export function WindowEditor({ label, value, onChange, path, errorAt, readOnly }: { label: string; value: WeeklyWindow; onChange(w: WeeklyWindow): void; path: string; errorAt: ErrorsAt; readOnly?: boolean }) {
  const daysError = errorAt(`${path}.days`);
  return (
    <div class="window-editor" role="group" aria-label={label}>
      <div class="days" role="group" aria-label={`${label} days`}>
        {weekdays.map((d) => (
          <label key={d} class="day">
            <input
              type="checkbox"
              checked={value.days.includes(d)}
              disabled={readOnly}
              aria-label={`${label} ${dayNames[d]}`}
              onChange={(e) => {
                const on = (e.currentTarget as HTMLInputElement).checked;
                onChange({ ...value, days: weekdays.filter((x) => (x === d ? on : value.days.includes(x))) });
              }}
            />
            {dayNames[d]}
          </label>
        ))}
      </div>
      {daysError && (
        <small class="field-error" role="alert">
          {daysError}
        </small>
      )}
      <div class="row">
        <TextField label={`${label} from`} placeholder="HH:MM" maxLength={5} value={value.from} readOnly={readOnly} error={errorAt(`${path}.from`)} onInput={(from) => onChange({ ...value, from })} />
        <TextField label={`${label} to`} placeholder="HH:MM" maxLength={5} value={value.to} readOnly={readOnly} error={errorAt(`${path}.to`)} onInput={(to) => onChange({ ...value, to })} hint="24-hour clock, up to 24:00; a to before from runs overnight." />
      </div>
    </div>
  );
}

const newWindow = (): WeeklyWindow => ({ days: ["mon", "tue", "wed", "thu", "fri"], from: "09:00", to: "18:00" });

/**
 * Business hours, or null for "not set" (`unsetLabel` says what null means: the account's hours,
 * always open). Windows and holidays are edited in place; paths follow the API's.
 */
export function HoursEditor({
  value,
  onChange,
  path,
  errorAt,
  ownLabel,
  readOnly,
}: {
  value: BusinessHours | null;
  onChange(v: BusinessHours | null): void;
  path: string;
  errorAt: ErrorsAt;
  ownLabel: string;
  readOnly?: boolean;
}) {
  return (
    <div class="hours-editor">
      <CheckboxField
        label={ownLabel}
        checked={value !== null}
        disabled={readOnly}
        error={value === null ? errorAt(path) : undefined}
        onChange={(on) => onChange(on ? { timezone: Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC", windows: [newWindow()], holidays: [] } : null)}
      />
      {value && (
        <>
          <TextField label="Business hours time zone" value={value.timezone} readOnly={readOnly} error={errorAt(`${path}.timezone`)} hint="IANA name, e.g. Europe/Istanbul" onInput={(timezone) => onChange({ ...value, timezone })} />
          <h4>Opening windows</h4>
          {errorAt(`${path}.windows`) && (
            <small class="field-error" role="alert">
              {errorAt(`${path}.windows`)}
            </small>
          )}
          {value.windows.map((w, i) => (
            <div class="list-item" key={i}>
              <WindowEditor
                label={`Window ${i + 1}`}
                value={w}
                path={`${path}.windows.${i}`}
                errorAt={errorAt}
                readOnly={readOnly}
                onChange={(nw) => onChange({ ...value, windows: value.windows.map((x, j) => (j === i ? nw : x)) })}
              />
              {!readOnly && (
                <button type="button" onClick={() => onChange({ ...value, windows: value.windows.filter((_, j) => j !== i) })}>
                  Remove window {i + 1}
                </button>
              )}
            </div>
          ))}
          {!readOnly && (
            <button type="button" onClick={() => onChange({ ...value, windows: [...value.windows, newWindow()] })}>
              Add window
            </button>
          )}
          <h4>Holidays</h4>
          {value.holidays.length === 0 && <p class="empty">No holidays.</p>}
          {value.holidays.map((h, i) => {
            const at = `${path}.holidays.${i}`;
            const set = (nh: Holiday) => onChange({ ...value, holidays: value.holidays.map((x, j) => (j === i ? nh : x)) });
            return (
              <div class="list-item row" key={i} role="group" aria-label={`Holiday ${i + 1}`}>
                <TextField label={`Holiday ${i + 1} date`} type="date" value={h.date} readOnly={readOnly} error={errorAt(`${at}.date`)} onInput={(date) => set({ ...h, date })} />
                <TextField label={`Holiday ${i + 1} name`} value={h.name ?? ""} readOnly={readOnly} maxLength={100} error={errorAt(`${at}.name`)} onInput={(name) => set({ ...h, name: name || undefined })} />
                <TextField label={`Holiday ${i + 1} closed from`} placeholder="HH:MM" maxLength={5} value={h.from ?? ""} readOnly={readOnly} error={errorAt(`${at}.from`)} hint="Empty: all day" onInput={(from) => set({ ...h, from: from || undefined })} />
                <TextField label={`Holiday ${i + 1} closed to`} placeholder="HH:MM" maxLength={5} value={h.to ?? ""} readOnly={readOnly} error={errorAt(`${at}.to`)} onInput={(to) => set({ ...h, to: to || undefined })} />
                {!readOnly && (
                  <button type="button" onClick={() => onChange({ ...value, holidays: value.holidays.filter((_, j) => j !== i) })}>
                    Remove holiday {i + 1}
                  </button>
                )}
              </div>
            );
          })}
          {!readOnly && (
            <button type="button" onClick={() => onChange({ ...value, holidays: [...value.holidays, { date: new Date().toISOString().slice(0, 10) }] })}>
              Add holiday
            </button>
          )}
        </>
      )}
    </div>
  );
}
