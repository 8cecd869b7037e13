-- Each isolate keeps the accounts it receives webhooks for in memory. `version` moves on every
-- change a webhook depends on (the account's receiving columns, its queue's routing), whoever makes
-- it, so an ingest batch can prove the account it was given is still the one in D1.
ALTER TABLE `channel_accounts` ADD `version` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
CREATE TRIGGER `channel_accounts_version` AFTER UPDATE OF `key`, `provider`, `name`, `queue_id`, `settings`, `credentials`, `status`, `conversation`, `chatbot_secret` ON `channel_accounts`
BEGIN
	UPDATE `channel_accounts` SET `version` = `version` + 1 WHERE `id` = NEW.`id`;
END;--> statement-breakpoint
CREATE TRIGGER `queues_routing_version` AFTER UPDATE OF `routing` ON `queues`
BEGIN
	UPDATE `channel_accounts` SET `version` = `version` + 1 WHERE `queue_id` = NEW.`id`;
END;--> statement-breakpoint
-- Holds no row: the first statement of an ingest batch inserts one only when the account is not at
-- the version the webhook was checked against, and the failed constraint rolls the whole batch back.
CREATE TABLE `account_checks` (
	`ok` integer CONSTRAINT `account_changed` CHECK (`ok`)
);
