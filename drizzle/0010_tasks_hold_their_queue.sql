ALTER TABLE `tasks` ADD `enqueued_at` text;--> statement-breakpoint
ALTER TABLE `tasks` ADD `ready_at` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `tasks` ADD `lease_deadline` integer;--> statement-breakpoint
ALTER TABLE `tasks` ADD `lease_token` text;--> statement-breakpoint
ALTER TABLE `tasks` ADD `requires` text;--> statement-breakpoint
ALTER TABLE `tasks` ADD `pool` text;--> statement-breakpoint
ALTER TABLE `tasks` ADD `held` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
CREATE INDEX `tasks_waiting_idx` ON `tasks` (`pool`,`held`,"priority" DESC,`enqueued_at`,`ordinal`,`ready_at`,`requires`,`run_id`,`task_id`,`attempts`,`lease_token`) WHERE "tasks"."enqueued_at" IS NOT NULL AND "tasks"."lease_token" IS NULL;--> statement-breakpoint
CREATE INDEX `tasks_leased_idx` ON `tasks` (`lease_token`) WHERE "tasks"."lease_token" IS NOT NULL;--> statement-breakpoint
-- The queue moves onto the tasks: each inbox row's place and lease go to its task, and the inbox is
-- left empty (it is kept: migrations only ever add). A lease held at the upgrade stays held.
UPDATE `tasks` SET
	`enqueued_at` = i.`enqueued_at`, `ready_at` = i.`ready_at`, `lease_deadline` = i.`lease_deadline`, `lease_token` = i.`lease_token`,
	`requires` = i.`requires`, `pool` = i.`pool`, `held` = i.`held`, `attempts` = i.`attempts`, `worker_id` = COALESCE(i.`worker_id`, `tasks`.`worker_id`)
FROM `inbox` i
WHERE i.`run_id` = `tasks`.`run_id` AND i.`task_id` = `tasks`.`task_id`;--> statement-breakpoint
DELETE FROM `inbox`;
