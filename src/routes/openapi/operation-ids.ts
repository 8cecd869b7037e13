/**
 * Every operation's operationId, by "METHOD /path" as the document writes it: camelCase, a verb
 * first. Clients generate function names from these, so they never change once published; a new
 * route needs its entry here (test/api/openapi-operations.test.ts fails until it has one).
 */
export const operationIds: Record<string, string> = {
  "POST /api/v1/auth/login": "login",
  "POST /api/v1/auth/logout": "logout",
  "POST /api/v1/auth/socket-ticket": "createSocketTicket",
  "GET /api/v1/me": "getMe",

  "GET /api/v1/queues": "listQueues",
  "POST /api/v1/queues": "createQueue",
  "GET /api/v1/queues/{id}": "getQueue",
  "PATCH /api/v1/queues/{id}": "updateQueue",
  "DELETE /api/v1/queues/{id}": "deleteQueue",
  "GET /api/v1/queues/{id}/stats": "getQueueStats",

  "GET /api/v1/queues/{id}/members": "listQueueMembers",
  "GET /api/v1/queues/{id}/colleagues": "listQueueColleagues",
  "PUT /api/v1/queues/{id}/members/{userId}": "setQueueMember",
  "DELETE /api/v1/queues/{id}/members/{userId}": "removeQueueMember",
  "PUT /api/v1/me/queues/{id}": "joinQueue",
  "DELETE /api/v1/me/queues/{id}": "leaveQueue",

  "GET /api/v1/users": "listUsers",
  "POST /api/v1/users": "createUser",
  "GET /api/v1/users/{id}": "getUser",
  "PATCH /api/v1/users/{id}": "updateUser",
  "DELETE /api/v1/users/{id}": "deleteUser",
  "GET /api/v1/users/{id}/queues": "listUserMemberships",

  "GET /api/v1/accounts": "listAccounts",
  "POST /api/v1/accounts": "createAccount",
  "GET /api/v1/accounts/{id}": "getAccount",
  "PATCH /api/v1/accounts/{id}": "updateAccount",
  "DELETE /api/v1/accounts/{id}": "deleteAccount",
  "POST /api/v1/accounts/{id}/activate": "activateAccount",
  "POST /api/v1/accounts/{id}/telegram/webhook": "registerTelegramWebhook",
  "GET /api/v1/accounts/{id}/agents": "listAccountAgents",
  "POST /api/v1/accounts/{id}/agents": "addAccountAgents",
  "DELETE /api/v1/accounts/{id}/agents/{userId}": "removeAccountAgent",

  "GET /api/v1/templates": "listTemplates",
  "POST /api/v1/templates": "createTemplate",
  "GET /api/v1/templates/{id}": "getTemplate",
  "PATCH /api/v1/templates/{id}": "updateTemplate",
  "DELETE /api/v1/templates/{id}": "deleteTemplate",
  "POST /api/v1/templates/preview": "previewTemplate",

  "GET /api/v1/tickets": "listTickets",
  "POST /api/v1/tickets/search": "searchTickets",
  "GET /api/v1/tickets/{id}": "getTicket",
  "PATCH /api/v1/tickets/{id}": "updateTicket",
  "POST /api/v1/tickets/{id}/read": "markTicketRead",
  "POST /api/v1/tickets/{id}/close": "closeTicket",
  "GET /api/v1/tickets/export.csv": "exportTickets",
  "POST /api/v1/tickets/export.csv": "exportSelectedTickets",
  "GET /api/v1/tickets/{id}/transcript.zip": "getTicketTranscript",
  "DELETE /api/v1/tickets/{id}": "eraseTicket",
  "POST /api/v1/tickets/delete": "eraseTickets",
  "DELETE /api/v1/contacts/{id}": "eraseContact",

  "GET /api/v1/saved-searches": "listSavedSearches",
  "POST /api/v1/saved-searches": "createSavedSearch",
  "GET /api/v1/saved-searches/{id}": "getSavedSearch",
  "PATCH /api/v1/saved-searches/{id}": "updateSavedSearch",
  "DELETE /api/v1/saved-searches/{id}": "deleteSavedSearch",

  "GET /api/v1/canned-answers": "listCannedAnswers",
  "POST /api/v1/canned-answers": "createCannedAnswer",
  "GET /api/v1/canned-answers/{id}": "getCannedAnswer",
  "PATCH /api/v1/canned-answers/{id}": "updateCannedAnswer",
  "DELETE /api/v1/canned-answers/{id}": "deleteCannedAnswer",

  "GET /api/v1/audit": "listAuditEntries",
  "GET /api/v1/reports": "getReport",
  "GET /api/v1/reports.csv": "exportReport",

  "POST /webhooks/telegram/{key}": "receiveTelegramWebhook",
  "GET /webhooks/meta/{key}": "verifyMetaWebhook",
  "POST /webhooks/meta/{key}": "receiveMetaWebhook",
  "POST /webhooks/connexease/{key}": "receiveConnexeaseWebhook",
  "POST /webhooks/twilio/{key}": "receiveTwilioWebhook",
  "POST /webhooks/sinch/{key}": "receiveSinchWebhook",
  "POST /webhooks/custom/{key}": "receiveCustomWebhook",

  "GET /agent/ws": "openAgentSocket",
  "GET /supervisor/ws": "openSupervisorSocket",
};
