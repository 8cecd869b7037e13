-- Finding interactions (docs/interactions.md). The ticket list shows, for each row, values that
-- live in other rows today; they are kept on the ticket by triggers on `messages`, so a page costs a
-- fixed number of rows per ticket and the ingest and reply code write nothing more themselves:
-- `inbound_count` (the customer's messages still there), `first_reply_at` (an agent's first reply),
-- `preview_*` (the last message in the conversation with the customer). A read mark carries how many
-- of the customer's messages it covers, so the caller's unread count is a subtraction.
ALTER TABLE `tickets` ADD `inbound_count` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `tickets` ADD `first_reply_at` integer;--> statement-breakpoint
ALTER TABLE `tickets` ADD `preview_message_id` integer;--> statement-breakpoint
ALTER TABLE `tickets` ADD `preview_body` text DEFAULT '' NOT NULL;--> statement-breakpoint
ALTER TABLE `tickets` ADD `preview_kinds` text DEFAULT '[]' NOT NULL;--> statement-breakpoint
-- The contact as the list shows it, kept in step with the contact by triggers below.
ALTER TABLE `tickets` ADD `contact_name` text DEFAULT '' NOT NULL;--> statement-breakpoint
ALTER TABLE `tickets` ADD `contact_handle` text DEFAULT '' NOT NULL;--> statement-breakpoint
ALTER TABLE `tickets` ADD `contact_username` text;--> statement-breakpoint
-- Contact Message Timeout's first escalation (markEscalated also tags the ticket "escalated").
ALTER TABLE `tickets` ADD `escalated_at` integer;--> statement-breakpoint
ALTER TABLE `ticket_reads` ADD `read_inbound` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
-- A page of the list reads the caller's marks in its id range.
CREATE INDEX `ticket_reads_user_id_ticket_id_idx` ON `ticket_reads` (`user_id`,`ticket_id`);--> statement-breakpoint
-- Filters that walk an index in id order, as the queue and status ones do (0011).
CREATE INDEX `tickets_account_id_id_idx` ON `tickets` (`account_id`,`id`);--> statement-breakpoint
CREATE INDEX `tickets_assignee_id_id_idx` ON `tickets` (`assignee_id`,`id`);--> statement-breakpoint
CREATE INDEX `tickets_contact_id_id_idx` ON `tickets` (`contact_id`,`id`);--> statement-breakpoint
CREATE INDEX `tickets_disposition_id_idx` ON `tickets` (`disposition`,`id`) WHERE `disposition` IS NOT NULL;--> statement-breakpoint
-- The latest creation time up to each ticket (a running maximum in id order, kept by the insert
-- trigger below): it never falls as ids rise, so the first ticket at or after a time in this index
-- is the lowest id a `created after` can match, and a page's walk stops there; the last one before
-- a time is the highest a `created before` can match, but for tickets created out of order.
ALTER TABLE `tickets` ADD `created_max_at` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
CREATE INDEX `tickets_created_max_at_idx` ON `tickets` (`created_max_at`);--> statement-breakpoint
-- The tickets created out of order (before a ticket with a lower id): few, and all a `created
-- before` has to look at above the last ticket whose running maximum is before its time.
CREATE INDEX `tickets_out_of_order_idx` ON `tickets` (`id`) WHERE `created_at` < `created_max_at`;--> statement-breakpoint
-- Each ticket's tags, one row each, kept by triggers on `tickets`: a page filtered by a tag walks
-- its tickets newest first through the primary key instead of testing every ticket.
CREATE TABLE `ticket_tags` (
	`tag` text NOT NULL,
	`ticket_id` integer NOT NULL,
	PRIMARY KEY (`tag`, `ticket_id`)
) WITHOUT ROWID;--> statement-breakpoint
CREATE TRIGGER `tickets_tags_insert` AFTER INSERT ON `tickets` WHEN NEW.`tags` != '[]'
BEGIN
	INSERT OR IGNORE INTO `ticket_tags` (`tag`, `ticket_id`) SELECT j.value, NEW.`id` FROM json_each(NEW.`tags`) j;
END;--> statement-breakpoint
CREATE TRIGGER `tickets_tags_update` AFTER UPDATE OF `tags` ON `tickets` WHEN OLD.`tags` IS NOT NEW.`tags`
BEGIN
	DELETE FROM `ticket_tags` WHERE `tag` IN (SELECT value FROM json_each(OLD.`tags`)) AND `ticket_id` = OLD.`id`;
	INSERT OR IGNORE INTO `ticket_tags` (`tag`, `ticket_id`) SELECT j.value, NEW.`id` FROM json_each(NEW.`tags`) j;
END;--> statement-breakpoint
CREATE TRIGGER `tickets_tags_delete` AFTER DELETE ON `tickets` WHEN OLD.`tags` != '[]'
BEGIN
	DELETE FROM `ticket_tags` WHERE `tag` IN (SELECT value FROM json_each(OLD.`tags`)) AND `ticket_id` = OLD.`id`;
END;--> statement-breakpoint
INSERT OR IGNORE INTO `ticket_tags` (`tag`, `ticket_id`) SELECT j.value, t.`id` FROM `tickets` t, json_each(t.`tags`) j WHERE t.`tags` != '[]';--> statement-breakpoint
-- Full text over message bodies. Contentless (the text stays in `messages` only) with deletes, so an
-- erased or unsent message leaves the index with its row. unicode61 folds case and drops diacritics
-- (ş→s, ü→u, ñ→n, İ→i); emoji (category So) are tokens too. What unicode61 does not fold is folded
-- on the way in, and the same way in every query (`src/domain/search-text.ts`): ı→i, ß and ẞ→ss.
CREATE VIRTUAL TABLE `messages_fts` USING fts5(`body`, content='', contentless_delete=1, tokenize="unicode61 remove_diacritics 2 categories 'L* N* Co So'");--> statement-breakpoint
CREATE TRIGGER `messages_search_insert` AFTER INSERT ON `messages`
BEGIN
	INSERT INTO `messages_fts` (rowid, `body`) SELECT NEW.`id`, replace(replace(replace(NEW.`body`, 'ı', 'i'), 'ß', 'ss'), 'ẞ', 'ss') WHERE NEW.`body` != '';
	UPDATE `tickets` SET
		`inbound_count` = `inbound_count` + (NEW.`direction` = 'in' AND NEW.`deleted_at` IS NULL),
		`first_reply_at` = CASE WHEN `first_reply_at` IS NULL AND NEW.`direction` = 'out' AND NEW.`author_id` IS NOT NULL THEN NEW.`created_at` ELSE `first_reply_at` END,
		`preview_message_id` = CASE WHEN NEW.`direction` IN ('in', 'out', 'system') THEN NEW.`id` ELSE `preview_message_id` END,
		`preview_body` = CASE WHEN NEW.`direction` IN ('in', 'out', 'system') THEN substr(NEW.`body`, 1, 400) ELSE `preview_body` END,
		`preview_kinds` = CASE WHEN NEW.`direction` IN ('in', 'out', 'system') THEN (SELECT json_group_array(json_extract(a.value, '$.kind')) FROM json_each(NEW.`attachments`) a) ELSE `preview_kinds` END
	WHERE `id` = NEW.`ticket_id` AND NEW.`direction` != 'note';
	UPDATE `ticket_reads` SET `read_inbound` = `read_inbound` + 1
	WHERE `ticket_id` = NEW.`ticket_id` AND `last_read_message_id` >= NEW.`id` AND NEW.`direction` = 'in' AND NEW.`deleted_at` IS NULL;
END;--> statement-breakpoint
CREATE TRIGGER `messages_search_body` AFTER UPDATE OF `body` ON `messages` WHEN OLD.`body` IS NOT NEW.`body`
BEGIN
	DELETE FROM `messages_fts` WHERE rowid = OLD.`id`;
	INSERT INTO `messages_fts` (rowid, `body`) SELECT NEW.`id`, replace(replace(replace(NEW.`body`, 'ı', 'i'), 'ß', 'ss'), 'ẞ', 'ss') WHERE NEW.`body` != '';
END;--> statement-breakpoint
CREATE TRIGGER `messages_preview_change` AFTER UPDATE OF `body`, `attachments` ON `messages`
WHEN OLD.`body` IS NOT NEW.`body` OR OLD.`attachments` IS NOT NEW.`attachments`
BEGIN
	UPDATE `tickets` SET `preview_body` = substr(NEW.`body`, 1, 400),
		`preview_kinds` = (SELECT json_group_array(json_extract(a.value, '$.kind')) FROM json_each(NEW.`attachments`) a)
	WHERE `id` = NEW.`ticket_id` AND `preview_message_id` = NEW.`id`;
END;--> statement-breakpoint
-- An unsent message (deleted_at set) no longer counts among the customer's messages.
CREATE TRIGGER `messages_inbound_change` AFTER UPDATE OF `deleted_at`, `direction`, `ticket_id` ON `messages`
WHEN (OLD.`direction` = 'in' AND OLD.`deleted_at` IS NULL) IS NOT (NEW.`direction` = 'in' AND NEW.`deleted_at` IS NULL) OR OLD.`ticket_id` IS NOT NEW.`ticket_id`
BEGIN
	UPDATE `tickets` SET `inbound_count` = `inbound_count` - 1 WHERE `id` = OLD.`ticket_id` AND OLD.`direction` = 'in' AND OLD.`deleted_at` IS NULL;
	UPDATE `ticket_reads` SET `read_inbound` = `read_inbound` - 1
	WHERE `ticket_id` = OLD.`ticket_id` AND `last_read_message_id` >= OLD.`id` AND OLD.`direction` = 'in' AND OLD.`deleted_at` IS NULL;
	UPDATE `tickets` SET `inbound_count` = `inbound_count` + 1 WHERE `id` = NEW.`ticket_id` AND NEW.`direction` = 'in' AND NEW.`deleted_at` IS NULL;
	UPDATE `ticket_reads` SET `read_inbound` = `read_inbound` + 1
	WHERE `ticket_id` = NEW.`ticket_id` AND `last_read_message_id` >= NEW.`id` AND NEW.`direction` = 'in' AND NEW.`deleted_at` IS NULL;
END;--> statement-breakpoint
CREATE TRIGGER `messages_search_delete` AFTER DELETE ON `messages`
BEGIN
	DELETE FROM `messages_fts` WHERE rowid = OLD.`id`;
	UPDATE `tickets` SET `inbound_count` = `inbound_count` - 1 WHERE `id` = OLD.`ticket_id` AND OLD.`direction` = 'in' AND OLD.`deleted_at` IS NULL;
	UPDATE `ticket_reads` SET `read_inbound` = `read_inbound` - 1
	WHERE `ticket_id` = OLD.`ticket_id` AND `last_read_message_id` >= OLD.`id` AND OLD.`direction` = 'in' AND OLD.`deleted_at` IS NULL;
	UPDATE `tickets` SET
		`preview_message_id` = (SELECT m.`id` FROM `messages` m WHERE m.`ticket_id` = OLD.`ticket_id` AND m.`direction` IN ('in', 'out', 'system') ORDER BY m.`id` DESC LIMIT 1),
		`preview_body` = coalesce((SELECT substr(m.`body`, 1, 400) FROM `messages` m WHERE m.`ticket_id` = OLD.`ticket_id` AND m.`direction` IN ('in', 'out', 'system') ORDER BY m.`id` DESC LIMIT 1), ''),
		`preview_kinds` = coalesce((SELECT (SELECT json_group_array(json_extract(a.value, '$.kind')) FROM json_each(m.`attachments`) a) FROM `messages` m
			WHERE m.`ticket_id` = OLD.`ticket_id` AND m.`direction` IN ('in', 'out', 'system') ORDER BY m.`id` DESC LIMIT 1), '[]')
	WHERE `id` = OLD.`ticket_id` AND `preview_message_id` = OLD.`id`;
END;--> statement-breakpoint
CREATE TRIGGER `tickets_contact_names` AFTER INSERT ON `tickets`
BEGIN
	UPDATE `tickets` SET
		`created_max_at` = max(NEW.`created_at`, coalesce((SELECT p.`created_max_at` FROM `tickets` p WHERE p.`id` < NEW.`id` ORDER BY p.`id` DESC LIMIT 1), 0)),
		`contact_name` = coalesce((SELECT c.`display_name` FROM `contacts` c WHERE c.`id` = NEW.`contact_id`), ''),
		`contact_handle` = coalesce((SELECT c.`external_id` FROM `contacts` c WHERE c.`id` = NEW.`contact_id`), ''),
		`contact_username` = (SELECT c.`username` FROM `contacts` c WHERE c.`id` = NEW.`contact_id`)
	WHERE `id` = NEW.`id`;
END;--> statement-breakpoint
CREATE TRIGGER `contacts_ticket_names` AFTER UPDATE OF `display_name`, `external_id`, `username` ON `contacts`
WHEN OLD.`display_name` IS NOT NEW.`display_name` OR OLD.`external_id` IS NOT NEW.`external_id` OR OLD.`username` IS NOT NEW.`username`
BEGIN
	UPDATE `tickets` SET `contact_name` = NEW.`display_name`, `contact_handle` = NEW.`external_id`, `contact_username` = NEW.`username`
	WHERE `contact_id` = NEW.`id`;
END;--> statement-breakpoint
-- A read mark counts the customer's messages it covers when it moves (markRead never moves it back).
CREATE TRIGGER `ticket_reads_count_insert` AFTER INSERT ON `ticket_reads`
BEGIN
	UPDATE `ticket_reads` SET `read_inbound` = (SELECT count(*) FROM `messages` m
		WHERE m.`ticket_id` = NEW.`ticket_id` AND m.`direction` = 'in' AND m.`deleted_at` IS NULL AND m.`id` <= NEW.`last_read_message_id`)
	WHERE `ticket_id` = NEW.`ticket_id` AND `user_id` = NEW.`user_id`;
END;--> statement-breakpoint
CREATE TRIGGER `ticket_reads_count_update` AFTER UPDATE OF `last_read_message_id` ON `ticket_reads` WHEN OLD.`last_read_message_id` IS NOT NEW.`last_read_message_id`
BEGIN
	UPDATE `ticket_reads` SET `read_inbound` = `read_inbound` + (SELECT count(*) FROM `messages` m
		WHERE m.`ticket_id` = NEW.`ticket_id` AND m.`direction` = 'in' AND m.`deleted_at` IS NULL
		AND m.`id` > OLD.`last_read_message_id` AND m.`id` <= NEW.`last_read_message_id`)
	WHERE `ticket_id` = NEW.`ticket_id` AND `user_id` = NEW.`user_id`;
END;--> statement-breakpoint
-- What is already stored.
UPDATE `tickets` SET
	`inbound_count` = (SELECT count(*) FROM `messages` m WHERE m.`ticket_id` = `tickets`.`id` AND m.`direction` = 'in' AND m.`deleted_at` IS NULL),
	`first_reply_at` = (SELECT min(m.`created_at`) FROM `messages` m WHERE m.`ticket_id` = `tickets`.`id` AND m.`direction` = 'out' AND m.`author_id` IS NOT NULL),
	`preview_message_id` = (SELECT max(m.`id`) FROM `messages` m WHERE m.`ticket_id` = `tickets`.`id` AND m.`direction` IN ('in', 'out', 'system')),
	`contact_name` = coalesce((SELECT c.`display_name` FROM `contacts` c WHERE c.`id` = `tickets`.`contact_id`), ''),
	`contact_handle` = coalesce((SELECT c.`external_id` FROM `contacts` c WHERE c.`id` = `tickets`.`contact_id`), ''),
	`contact_username` = (SELECT c.`username` FROM `contacts` c WHERE c.`id` = `tickets`.`contact_id`);--> statement-breakpoint
UPDATE `tickets` SET
	`preview_body` = coalesce((SELECT substr(m.`body`, 1, 400) FROM `messages` m WHERE m.`id` = `tickets`.`preview_message_id`), ''),
	`preview_kinds` = coalesce((SELECT (SELECT json_group_array(json_extract(a.value, '$.kind')) FROM json_each(m.`attachments`) a) FROM `messages` m WHERE m.`id` = `tickets`.`preview_message_id`), '[]')
WHERE `preview_message_id` IS NOT NULL;--> statement-breakpoint
UPDATE `ticket_reads` SET `read_inbound` = (SELECT count(*) FROM `messages` m
	WHERE m.`ticket_id` = `ticket_reads`.`ticket_id` AND m.`direction` = 'in' AND m.`deleted_at` IS NULL AND m.`id` <= `ticket_reads`.`last_read_message_id`);--> statement-breakpoint
UPDATE `tickets` SET `created_max_at` = w.`m` FROM (SELECT `id`, max(`created_at`) OVER (ORDER BY `id`) AS `m` FROM `tickets`) w WHERE w.`id` = `tickets`.`id`;--> statement-breakpoint
UPDATE `tickets` SET `escalated_at` = `updated_at` WHERE EXISTS (SELECT 1 FROM json_each(`tags`) WHERE value = 'escalated');--> statement-breakpoint
INSERT INTO `messages_fts` (rowid, `body`) SELECT `id`, replace(replace(replace(`body`, 'ı', 'i'), 'ß', 'ss'), 'ẞ', 'ss') FROM `messages` WHERE `body` != '';--> statement-breakpoint
-- Saved searches: a user's own, or shared with everyone by a supervisor or an admin.
CREATE TABLE `saved_searches` (
	`id` text PRIMARY KEY NOT NULL,
	`owner_id` text NOT NULL REFERENCES `users`(`id`) ON DELETE CASCADE,
	`name` text NOT NULL,
	`match` text NOT NULL,
	`conditions` text NOT NULL,
	`shared` integer DEFAULT 0 NOT NULL,
	`created_at` integer DEFAULT (CAST(unixepoch('subsec') * 1000 AS INTEGER)) NOT NULL,
	`updated_at` integer DEFAULT (CAST(unixepoch('subsec') * 1000 AS INTEGER)) NOT NULL
);--> statement-breakpoint
CREATE INDEX `saved_searches_owner_id_idx` ON `saved_searches` (`owner_id`);--> statement-breakpoint
CREATE INDEX `saved_searches_shared_idx` ON `saved_searches` (`shared`) WHERE `shared` = 1;
