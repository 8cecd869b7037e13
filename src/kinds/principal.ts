// Who is calling the API or holding a socket, and the roles there are.

export type Role = "admin" | "supervisor" | "agent";
export type Principal = { userId: string; role: Role; displayName: string };

export const roles = ["admin", "supervisor", "agent"] as const satisfies readonly Role[];
