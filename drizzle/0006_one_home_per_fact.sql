CREATE TABLE `gateway_processes` (
	`pid` integer PRIMARY KEY NOT NULL,
	`start` text,
	`owner_pid` integer NOT NULL,
	`scope` text NOT NULL,
	`created_at` text NOT NULL
);
--> statement-breakpoint
ALTER TABLE `approvals` ADD `tool` text;--> statement-breakpoint
ALTER TABLE `approvals` ADD `attempt` integer;--> statement-breakpoint
ALTER TABLE `approvals` ADD `owner_pid` integer;--> statement-breakpoint
ALTER TABLE `approvals` ADD `diff` text;--> statement-breakpoint
ALTER TABLE `approvals` ADD `agent_reason` text;--> statement-breakpoint
-- Approval context used to be read back from the request's audit entry; copy it into the row.
UPDATE `approvals` SET
	`tool` = json_extract(iif(json_valid(l.`detail`), l.`detail`, '{}'), '$.tool'),
	`attempt` = json_extract(iif(json_valid(l.`detail`), l.`detail`, '{}'), '$.attempt'),
	`owner_pid` = json_extract(iif(json_valid(l.`detail`), l.`detail`, '{}'), '$.ownerPid'),
	`diff` = json_extract(iif(json_valid(l.`detail`), l.`detail`, '{}'), '$.diff'),
	`agent_reason` = json_extract(iif(json_valid(l.`detail`), l.`detail`, '{}'), '$.agentReason')
FROM `audit_log` l
WHERE l.`subject` = `approvals`.`id` AND l.`action` = 'approval.requested' AND json_valid(l.`detail`);--> statement-breakpoint
-- Gateway command groups used to be settings rows `gateway.process.<pid>`; move them to their table.
INSERT OR REPLACE INTO `gateway_processes` (`pid`, `start`, `owner_pid`, `scope`, `created_at`)
SELECT json_extract(iif(json_valid(`value`), `value`, '{}'), '$.pid'), json_extract(iif(json_valid(`value`), `value`, '{}'), '$.start'), json_extract(iif(json_valid(`value`), `value`, '{}'), '$.ownerPid'),
	coalesce(json_extract(iif(json_valid(`value`), `value`, '{}'), '$.scope'), ''), `updated_at`
FROM `settings`
WHERE substr(`key`, 1, 16) = 'gateway.process.' AND json_valid(`value`)
	AND json_type(iif(json_valid(`value`), `value`, '{}'), '$.pid') = 'integer' AND json_type(iif(json_valid(`value`), `value`, '{}'), '$.ownerPid') = 'integer';--> statement-breakpoint
DELETE FROM `settings` WHERE substr(`key`, 1, 16) = 'gateway.process.';--> statement-breakpoint
-- An attempt's file is recorded once: drop duplicate index rows before the unique index forbids them.
DELETE FROM `artifacts` WHERE `id` NOT IN (SELECT min(`id`) FROM `artifacts` GROUP BY `run_id`, `task_id`, `attempt`, `path`);--> statement-breakpoint
CREATE UNIQUE INDEX `artifacts_attempt_path_uq` ON `artifacts` (`run_id`,`task_id`,`attempt`,`path`);--> statement-breakpoint
-- The artifacts table becomes the one place artifacts are looked up: record every artifact the
-- receipts, the pending (manual-review) receipts and the `artifact` events named.
INSERT OR IGNORE INTO `artifacts` (`run_id`, `task_id`, `attempt`, `kind`, `path`, `checksum`, `mime_type`, `size_bytes`, `created_at`)
SELECT r.`run_id`, r.`task_id`, r.`attempt`, json_extract(a.`value`, '$.kind'), json_extract(a.`value`, '$.path'),
	json_extract(a.`value`, '$.checksum'), json_extract(a.`value`, '$.mime_type'), json_extract(a.`value`, '$.size_bytes'), r.`completed_at`
FROM `receipts` r, json_each(iif(json_valid(r.`body`), r.`body`, '{}'), '$.artifacts') a
WHERE json_valid(r.`body`) AND json_type(a.`value`, '$.kind') = 'text' AND json_type(a.`value`, '$.path') = 'text';--> statement-breakpoint
INSERT OR IGNORE INTO `artifacts` (`run_id`, `task_id`, `attempt`, `kind`, `path`, `checksum`, `mime_type`, `size_bytes`, `created_at`)
SELECT t.`run_id`, t.`task_id`, t.`attempt`, json_extract(a.`value`, '$.kind'), json_extract(a.`value`, '$.path'),
	json_extract(a.`value`, '$.checksum'), json_extract(a.`value`, '$.mime_type'), json_extract(a.`value`, '$.size_bytes'), coalesce(t.`ended_at`, t.`started_at`)
FROM `attempts` t, json_each(iif(json_valid(t.`pending_receipt`), t.`pending_receipt`, '{}'), '$.artifacts') a
WHERE t.`pending_receipt` IS NOT NULL AND json_valid(t.`pending_receipt`) AND json_type(a.`value`, '$.kind') = 'text' AND json_type(a.`value`, '$.path') = 'text';--> statement-breakpoint
INSERT OR IGNORE INTO `artifacts` (`run_id`, `task_id`, `attempt`, `kind`, `path`, `checksum`, `mime_type`, `size_bytes`, `created_at`)
SELECT e.`run_id`, e.`task_id`, e.`attempt`, json_extract(iif(json_valid(e.`body`), e.`body`, '{}'), '$.kind'), json_extract(iif(json_valid(e.`body`), e.`body`, '{}'), '$.path'),
	json_extract(iif(json_valid(e.`body`), e.`body`, '{}'), '$.checksum'), json_extract(iif(json_valid(e.`body`), e.`body`, '{}'), '$.mime_type'), json_extract(iif(json_valid(e.`body`), e.`body`, '{}'), '$.size_bytes'), e.`timestamp`
FROM `worker_events` e
WHERE e.`state` = 'artifact' AND e.`attempt` IS NOT NULL AND json_valid(e.`body`)
	AND json_type(iif(json_valid(e.`body`), e.`body`, '{}'), '$.kind') = 'text' AND json_type(iif(json_valid(e.`body`), e.`body`, '{}'), '$.path') = 'text';
