CREATE TABLE `alert_deliveries` (
	`id` text PRIMARY KEY NOT NULL,
	`alert_key` text NOT NULL,
	`dedup_key` text NOT NULL,
	`action` text NOT NULL,
	`rule` text NOT NULL,
	`run_id` text,
	`task_id` text,
	`attempt` integer,
	`reason` text NOT NULL,
	`channel_index` integer NOT NULL,
	`channel_kind` text NOT NULL,
	`channel` text NOT NULL,
	`state` text NOT NULL,
	`attempts` integer DEFAULT 0 NOT NULL,
	`next_attempt_at` integer NOT NULL,
	`last_error` text,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	`delivered_at` text
);
--> statement-breakpoint
CREATE UNIQUE INDEX `alert_deliveries_key_uq` ON `alert_deliveries` (`alert_key`,`channel_index`,`action`);--> statement-breakpoint
CREATE INDEX `alert_deliveries_due_idx` ON `alert_deliveries` (`state`,`next_attempt_at`);--> statement-breakpoint
CREATE INDEX `alert_deliveries_task_idx` ON `alert_deliveries` (`run_id`,`task_id`);