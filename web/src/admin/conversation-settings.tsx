import type { SectionProps } from "./admin";

export function ConversationSettings(_: SectionProps) {
  return <h2>ConversationSettings</h2>;
}
