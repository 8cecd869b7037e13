-- A send's outcome is recorded by one UPDATE of the message (`recordOutcome`, src/db/outbox.ts), which
-- sets its provider id: these triggers do what two statements of their own did in its batch.
-- Before it, an echo that outran the send's answer and was stored as a message of its own (no
-- author, the same provider id) is folded in: deleted, so the id is free for the reply. A reply an
-- echo reconciles gets an id no message has yet (ingestEcho checks), so this deletes nothing then.
CREATE TRIGGER `messages_outcome_echo` BEFORE UPDATE OF `provider_message_id` ON `messages`
WHEN NEW.`provider_message_id` IS NOT NULL AND NEW.`provider_message_id` IS NOT OLD.`provider_message_id`
BEGIN
	DELETE FROM `messages` WHERE `account_id` = NEW.`account_id` AND `provider_message_id` = NEW.`provider_message_id`
		AND `id` != NEW.`id` AND `direction` = 'out' AND `author_id` IS NULL;
END;--> statement-breakpoint
-- After it, the reports that waited for the id (taken up by the update) and the account's reports
-- older than a day are dropped. Only the outcome leaves a message with a provider id past `sending`:
-- an echo that reconciles a reply still queued or sending leaves its reports waiting for the outcome.
CREATE TRIGGER `messages_outcome_pending` AFTER UPDATE OF `provider_message_id` ON `messages`
WHEN NEW.`provider_message_id` IS NOT NULL AND NEW.`status` NOT IN ('queued', 'sending')
BEGIN
	DELETE FROM `pending_statuses` WHERE `account_id` = NEW.`account_id`
		AND (`provider_message_id` = NEW.`provider_message_id` OR `at` < NEW.`updated_at` - 86400000);
END;
