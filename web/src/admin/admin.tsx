import type { Session } from "../api";

/** The admin console: setup of accounts, queues, users and what the hub says to customers. */
export function Admin({ session, onOpenConsole, onOpenDesk, onSignOut }: { session: Session; onOpenConsole(): void; onOpenDesk(): void; onSignOut(): void }) {
  return (
    <div class="admin">
      <header class="topbar">
        <h1>Administration</h1>
        <span class="who">{session.user.displayName ?? session.user.email}</span>
        <button type="button" onClick={onOpenConsole}>
          Open console
        </button>
        <button type="button" onClick={onOpenDesk}>
          Open desk
        </button>
        <button type="button" onClick={onSignOut}>
          Sign out
        </button>
      </header>
    </div>
  );
}
