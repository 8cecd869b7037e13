-- Each isolate keeps the accounts it receives webhooks for in memory. `version` moves on every
-- change a webhook depends on (the account's receiving columns, its queue's routing), whoever makes
-- it, so an ingest batch can prove the account it was given is still the one in D1. A write that
-- leaves them as they were (the outbox marking an account `error` again) does not move it.
ALTER TABLE `channel_accounts` ADD `version` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
CREATE TRIGGER `channel_accounts_version` AFTER UPDATE OF `key`, `provider`, `name`, `queue_id`, `settings`, `credentials`, `status`, `conversation`, `chatbot_secret` ON `channel_accounts`
WHEN OLD.`key` IS NOT NEW.`key` OR OLD.`provider` IS NOT NEW.`provider` OR OLD.`name` IS NOT NEW.`name`
  OR OLD.`queue_id` IS NOT NEW.`queue_id` OR OLD.`settings` IS NOT NEW.`settings` OR OLD.`credentials` IS NOT NEW.`credentials`
  OR OLD.`status` IS NOT NEW.`status` OR OLD.`conversation` IS NOT NEW.`conversation` OR OLD.`chatbot_secret` IS NOT NEW.`chatbot_secret`
BEGIN
	UPDATE `channel_accounts` SET `version` = `version` + 1 WHERE `id` = NEW.`id`;
END;--> statement-breakpoint
CREATE TRIGGER `queues_routing_version` AFTER UPDATE OF `routing` ON `queues`
WHEN OLD.`routing` IS NOT NEW.`routing`
BEGIN
	UPDATE `channel_accounts` SET `version` = `version` + 1 WHERE `queue_id` = NEW.`id`;
END;--> statement-breakpoint
-- Holds no row: the first statement of an ingest batch inserts one only when the account is not at
-- the version the webhook was checked against, and the failed constraint rolls the whole batch back.
CREATE TABLE `account_checks` (
	`ok` integer CONSTRAINT `account_changed` CHECK (`ok`)
);
