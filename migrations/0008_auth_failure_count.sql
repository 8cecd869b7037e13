-- Refused webhooks per account: written at most once a minute, with the refusals counted in memory since.
ALTER TABLE `channel_accounts` ADD `auth_failure_count` integer DEFAULT 0 NOT NULL;
