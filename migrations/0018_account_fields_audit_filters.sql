-- The reference products' account fields: a short Key (1-5 letters or digits, kept upper case, so
-- unique case-insensitively) agents see on their conversation tabs, apart from the random `key` of
-- the receive URL; a description and a phone number.
ALTER TABLE `channel_accounts` ADD `short_key` text;--> statement-breakpoint
ALTER TABLE `channel_accounts` ADD `description` text;--> statement-breakpoint
ALTER TABLE `channel_accounts` ADD `phone` text;--> statement-breakpoint
CREATE UNIQUE INDEX `channel_accounts_short_key_idx` ON `channel_accounts` (`short_key`) WHERE `short_key` IS NOT NULL;--> statement-breakpoint
-- The short key rides with the cached account into every ticket view, so changing it moves the
-- account's version like the other columns a webhook depends on (0012).
DROP TRIGGER `channel_accounts_version`;--> statement-breakpoint
CREATE TRIGGER `channel_accounts_version` AFTER UPDATE OF `key`, `provider`, `name`, `queue_id`, `settings`, `credentials`, `status`, `conversation`, `chatbot_secret`, `short_key` ON `channel_accounts`
WHEN OLD.`key` IS NOT NEW.`key` OR OLD.`provider` IS NOT NEW.`provider` OR OLD.`name` IS NOT NEW.`name`
  OR OLD.`queue_id` IS NOT NEW.`queue_id` OR OLD.`settings` IS NOT NEW.`settings` OR OLD.`credentials` IS NOT NEW.`credentials`
  OR OLD.`status` IS NOT NEW.`status` OR OLD.`conversation` IS NOT NEW.`conversation` OR OLD.`chatbot_secret` IS NOT NEW.`chatbot_secret`
  OR OLD.`short_key` IS NOT NEW.`short_key`
BEGIN
	UPDATE `channel_accounts` SET `version` = `version` + 1 WHERE `id` = NEW.`id`;
END;--> statement-breakpoint
-- The audit log's filters walk an index newest first (the row id rides at the end of each), so a
-- page reads about a page of rows: by actor, by action, by entity type (with entity id: the
-- existing audit_log_entity_idx); `at` turns a time range into a range of ids.
CREATE INDEX `audit_log_actor_idx` ON `audit_log` (`actor_id`);--> statement-breakpoint
CREATE INDEX `audit_log_action_idx` ON `audit_log` (`action`);--> statement-breakpoint
CREATE INDEX `audit_log_entity_type_idx` ON `audit_log` (`entity_type`);--> statement-breakpoint
CREATE INDEX `audit_log_at_idx` ON `audit_log` (`at`);
