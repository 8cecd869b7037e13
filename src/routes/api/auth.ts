export type Role = "admin" | "supervisor" | "agent";
export type Principal = { userId: string; role: Role; displayName: string };
