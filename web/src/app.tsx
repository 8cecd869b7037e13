import { useState } from "preact/hooks";
import type { Session } from "./api";
import { Admin } from "./admin/admin";
import { Console } from "./console";
import { Desk } from "./desk";
import { SignIn } from "./sign-in";

const SESSION_KEY = "channel-hub.session";

function savedSession(): Session | null {
  try {
    const s = JSON.parse(sessionStorage.getItem(SESSION_KEY) ?? "null") as Session | null;
    return s && s.expiresAt > Date.now() ? s : null;
  } catch {
    return null;
  }
}

export function App() {
  const [session, setSession] = useState<Session | null>(savedSession);
  const [view, setView] = useState<"desk" | "console" | "admin" | null>(null);
  if (!session) {
    return (
      <SignIn
        onSession={(s) => {
          sessionStorage.setItem(SESSION_KEY, JSON.stringify(s));
          setSession(s);
        }}
      />
    );
  }
  const signOut = () => {
    sessionStorage.removeItem(SESSION_KEY);
    setView(null);
    setSession(null);
  };
  const role = session.user.role;
  const manager = role === "supervisor" || role === "admin";
  // Supervisors and admins start on the console; the desk (and, for admins, the setup) one click away.
  const shown = view ?? (manager ? "console" : "desk");
  const toConsole = manager ? () => setView("console") : undefined;
  const toAdmin = manager ? () => setView("admin") : undefined;
  if (shown === "admin" && manager) {
    return <Admin session={session} onOpenConsole={() => setView("console")} onOpenDesk={() => setView("desk")} onSignOut={signOut} />;
  }
  if (shown === "console" && manager) {
    return <Console session={session} onOpenDesk={() => setView("desk")} onOpenAdmin={toAdmin} onSignOut={signOut} />;
  }
  return <Desk session={session} onOpenConsole={toConsole} onSignOut={signOut} />;
}
