-- The template library (docs/templates.md): named message texts an account's automatic messages
-- and a queue's session timeout message may refer to by id ({"templateId": "tpl_…"}) instead of
-- keeping their own text. Names are unique whatever their case: `name_key` is the name lower-cased
-- by the Worker (SQLite's lower() knows ASCII only).
CREATE TABLE `templates` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`name_key` text NOT NULL,
	`description` text DEFAULT '' NOT NULL,
	`body` text NOT NULL,
	`created_at` integer DEFAULT (CAST(unixepoch('subsec') * 1000 AS INTEGER)) NOT NULL,
	`updated_at` integer DEFAULT (CAST(unixepoch('subsec') * 1000 AS INTEGER)) NOT NULL,
	`created_by` text,
	`updated_by` text
);--> statement-breakpoint
CREATE UNIQUE INDEX `templates_name_key_idx` ON `templates` (`name_key`);
--> statement-breakpoint
-- A new body reaches every account that sends it: their version moves in the same transaction as
-- the edit (0012), so each isolate's cached account, with its settings and its queue's routing
-- resolved, is read anew by the next webhook — whoever edits the template.
CREATE TRIGGER `templates_body_version` AFTER UPDATE OF `body` ON `templates`
WHEN OLD.`body` IS NOT NEW.`body`
BEGIN
	UPDATE `channel_accounts` SET `version` = `version` + 1
	WHERE `id` IN (SELECT a.`id` FROM `channel_accounts` a, json_tree(a.`conversation`) j WHERE j.`key` = 'templateId' AND j.`value` = NEW.`id`)
	   OR `queue_id` IN (SELECT q.`id` FROM `queues` q, json_tree(q.`routing`) j WHERE j.`key` = 'templateId' AND j.`value` = NEW.`id`);
END;
