// What the audit log records: every action and entity type written anywhere, so that the log can be
// filtered by them and a screen can offer them as choices (GET /api/v1/audit).

export const auditActions = [
  "account.activate",
  "account.create",
  "account.delete",
  "account.update",
  "account.webhook_registered",
  "agent.state",
  "auth.login",
  "auth.logout",
  "canned.create",
  "canned.delete",
  "canned.update",
  "contact.erase",
  "member.add",
  "member.join",
  "member.leave",
  "member.remove",
  "member.update",
  "queue.create",
  "queue.delete",
  "queue.update",
  "template.create",
  "template.delete",
  "template.update",
  "ticket.close",
  "ticket.erase",
  "ticket.update",
  "user.create",
  "user.delete",
  "user.update",
] as const;
export type AuditAction = (typeof auditActions)[number];

export const auditEntityTypes = ["account", "canned_answer", "contact", "queue", "template", "ticket", "user"] as const;
export type AuditEntityType = (typeof auditEntityTypes)[number];
