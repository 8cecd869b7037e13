import type { SectionProps } from "./admin";

export function Users(_: SectionProps) {
  return <h2>Users</h2>;
}
