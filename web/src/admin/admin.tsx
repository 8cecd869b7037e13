import { useState } from "preact/hooks";
import type { Session } from "../api";
import { TopBar } from "../top-bar";
import { Accounts } from "./accounts";
import { AuditLog } from "./audit";
import { CannedAnswers } from "./canned";
import { ConversationSettings } from "./conversation-settings";
import { Dispositions } from "./dispositions";
import { Queues } from "./queues";
import { Templates } from "./templates";
import { Users } from "./users";

/** What every admin section gets: the caller's token and role (supervisors see read-only where the API allows). */
export type SectionProps = { token: string; role: string; onSignOut(): void };

const sections = [
  { id: "accounts", label: "Accounts", View: Accounts },
  { id: "queues", label: "Queues", View: Queues },
  { id: "users", label: "Users", View: Users },
  { id: "canned", label: "Canned answers", View: CannedAnswers },
  { id: "dispositions", label: "Dispositions", View: Dispositions },
  { id: "conversation-settings", label: "Conversation settings", View: ConversationSettings },
  { id: "templates", label: "Templates", View: Templates },
  { id: "audit", label: "Audit log", View: AuditLog },
] as const;
type SectionId = (typeof sections)[number]["id"];

/** The admin console: setup of accounts, queues, users and what the hub says to customers. */
export function Admin({ session, onOpenConsole, onOpenDesk, onSignOut }: { session: Session; onOpenConsole(): void; onOpenDesk(): void; onSignOut(): void }) {
  const [current, setCurrent] = useState<SectionId>("accounts");
  // Each click in the navigation opens its section afresh (the list, not the account left open).
  const [visit, setVisit] = useState(0);
  const section = sections.find((s) => s.id === current) ?? sections[0];
  return (
    <div class="admin">
      <TopBar
        title="Administration"
        who={session.user.displayName ?? session.user.email}
        token={session.token}
        onSignOut={onSignOut}
        actions={
          <>
            <button type="button" onClick={onOpenConsole}>
              Open console
            </button>
            <button type="button" onClick={onOpenDesk}>
              Open desk
            </button>
            <a href="/api/docs" target="_blank" rel="noopener">
              API reference
            </a>
          </>
        }
      />
      <div class="admin-body">
        <nav class="admin-nav" aria-label="Administration">
          <ul>
            {sections.map((s) => (
              <li key={s.id}>
                <button type="button" aria-current={s.id === current ? "page" : undefined} onClick={() => (setCurrent(s.id), setVisit((n) => n + 1))}>
                  {s.label}
                </button>
              </li>
            ))}
          </ul>
        </nav>
        <main class="admin-section" aria-label={section.label}>
          <section.View key={visit} token={session.token} role={session.user.role ?? "agent"} onSignOut={onSignOut} />
        </main>
      </div>
    </div>
  );
}
