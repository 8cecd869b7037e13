// The header of the desk, the console and the admin console.
import type { ComponentChildren } from "preact";
import { logout } from "./api";
import type { Connection } from "./live-socket";

export const CONNECTION_LABEL: Record<Connection, string> = { connecting: "Connecting…", online: "Online", reconnecting: "Reconnecting…", closed: "Disconnected" };

/** How the screen's sockets are doing (the status named Connection), with what `children` add about them. */
export function ConnectionStatus({ state, children }: { state: Connection; children?: ComponentChildren }) {
  return (
    <p class={`connection ${state}`} role="status" aria-label="Connection">
      <span class="dot" aria-hidden="true" />
      {CONNECTION_LABEL[state]}
      {children}
    </p>
  );
}

/**
 * The screen's title, what it shows beside it (`children`), who is signed in, the buttons after the
 * name (`actions`: the other screens) and Sign out, which ends the session on the hub too.
 */
export function TopBar({ title, who, token, onSignOut, children, actions }: { title: string; who: string; token: string; onSignOut(): void; children?: ComponentChildren; actions?: ComponentChildren }) {
  return (
    <header class="topbar">
      <h1>{title}</h1>
      {children}
      <span class="who">{who}</span>
      {actions}
      <button
        type="button"
        onClick={() => {
          void logout(token).catch(() => undefined);
          onSignOut();
        }}
      >
        Sign out
      </button>
    </header>
  );
}
