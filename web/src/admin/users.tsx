// Users: the list, a new user, and one user's details, password and queues.
import { useEffect, useState } from "preact/hooks";
import type { SectionProps } from "./admin";
import { deleteUser, listUsers, messageOf, type User } from "./data";
import { BackButton, DeleteButton, ListTable, SectionHead } from "./section";
import { AlertLine, StatusLine } from "../notices";
import { PasswordReset, UserForm } from "./user-form";
import { UserMemberships } from "./user-memberships";

type View = { kind: "list" } | { kind: "new" } | { kind: "open"; id: string };

export function Users({ token, role }: SectionProps) {
  const readOnly = role !== "admin";
  const [users, setUsers] = useState<User[] | null>(null);
  const [view, setView] = useState<View>({ kind: "list" });
  const [failure, setFailure] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);

  useEffect(() => {
    listUsers(token).then(setUsers, (err) => setFailure(messageOf(err)));
  }, [token]);

  const saved = (u: User) => {
    setUsers((list) => [...(list ?? []).filter((x) => x.id !== u.id), u].sort((a, b) => a.email.localeCompare(b.email)));
    setView({ kind: "open", id: u.id });
  };
  const open = view.kind === "open" ? users?.find((u) => u.id === view.id) : undefined;

  if (view.kind === "new" || open) {
    return (
      <div class="user-detail">
        <BackButton to="All users" onClick={() => (setFailure(null), setView({ kind: "list" }))} />
        <h2>{open ? open.displayName : "New user"}</h2>
        <UserForm key={open?.id ?? "new"} token={token} user={open} readOnly={readOnly} onSaved={saved} onCancel={() => setView({ kind: "list" })} />
        {open && !readOnly && <PasswordReset key={`pw-${open.id}`} token={token} user={open} />}
        {open && <UserMemberships token={token} userId={open.id} readOnly={false} />}
        {open && !readOnly && (
          <DeleteButton
            label="Delete user"
            question={`Delete the user ${open.displayName}? Their sessions end, they leave every queue and their tickets go back to their queues. Deactivating keeps them instead.`}
            remove={() => deleteUser(token, open.id)}
            onDeleted={() => {
              setUsers((list) => list?.filter((u) => u.id !== open.id) ?? null);
              setView({ kind: "list" });
              setNotice(`User ${open.displayName} deleted`);
            }}
            onFailure={setFailure}
          />
        )}
        <AlertLine text={failure} />
      </div>
    );
  }

  return (
    <div class="users">
      <SectionHead title="Users" newLabel="New user" onNew={readOnly ? undefined : () => (setNotice(null), setView({ kind: "new" }))} />
      <AlertLine text={failure} />
      <StatusLine text={notice} />
      <ListTable items={users} loading="Loading users…" label="Users" class="admin-table" columns={["Name", "Email", "Role", "Capacity", "Active"]}>
        {(u) => (
          <tr key={u.id}>
            <td data-label="Name">{u.displayName}</td>
            <td data-label="Email">{u.email}</td>
            <td data-label="Role">{u.role}</td>
            <td data-label="Capacity">{u.capacity}</td>
            <td data-label="Active">{u.active ? "yes" : "no"}</td>
            <td>
              <button type="button" onClick={() => (setNotice(null), setView({ kind: "open", id: u.id }))}>
                Open {u.displayName}
              </button>
            </td>
          </tr>
        )}
      </ListTable>
    </div>
  );
}
