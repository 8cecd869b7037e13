import type { SectionProps } from "./admin";

export function AuditLog(_: SectionProps) {
  return <h2>AuditLog</h2>;
}
