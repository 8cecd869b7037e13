import { useEffect, useState } from "preact/hooks";
import type { Session } from "./api";
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

type AdminView = typeof import("./admin/admin").Admin;

/** The admin screens load on first use: agents never download them. */
function useAdmin(wanted: boolean): AdminView | null {
  const [view, setView] = useState<AdminView | null>(null);
  useEffect(() => {
    if (wanted && !view) void import("./admin/admin").then((m) => setView(() => m.Admin));
  }, [wanted, view]);
  return view;
}

export function App() {
  const [session, setSession] = useState<Session | null>(savedSession);
  const [view, setView] = useState<"desk" | "console" | "admin" | null>(null);
  const Admin = useAdmin(view === "admin");
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
    if (!Admin) return <p class="banner" role="status">Loading administration…</p>;
    return <Admin session={session} onOpenConsole={() => setView("console")} onOpenDesk={() => setView("desk")} onSignOut={signOut} />;
  }
  if (shown === "console" && manager) {
    return <Console session={session} onOpenDesk={() => setView("desk")} onOpenAdmin={toAdmin} onSignOut={signOut} />;
  }
  return <Desk session={session} onOpenConsole={toConsole} onSignOut={signOut} />;
}
