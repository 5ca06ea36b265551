CREATE TABLE `approvals` (
	`id` text PRIMARY KEY NOT NULL,
	`run_id` text,
	`task_id` text,
	`thread_id` text,
	`call_id` text NOT NULL,
	`request` text NOT NULL,
	`status` text NOT NULL,
	`decision` text,
	`decided_by` text,
	`created_at` text NOT NULL,
	`decided_at` text
);
--> statement-breakpoint
CREATE INDEX `approvals_status_idx` ON `approvals` (`status`,`created_at`);--> statement-breakpoint
CREATE TABLE `artifacts` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`run_id` text NOT NULL,
	`task_id` text NOT NULL,
	`attempt` integer NOT NULL,
	`kind` text NOT NULL,
	`path` text NOT NULL,
	`checksum` text,
	`mime_type` text,
	`size_bytes` integer,
	`created_at` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `artifacts_task_idx` ON `artifacts` (`run_id`,`task_id`,`attempt`);--> statement-breakpoint
CREATE TABLE `attempts` (
	`run_id` text NOT NULL,
	`task_id` text NOT NULL,
	`attempt` integer NOT NULL,
	`worker_id` text NOT NULL,
	`lease_token` text NOT NULL,
	`state` text NOT NULL,
	`pid` integer,
	`pid_start` text,
	`owner_pid` integer,
	`workdir` text,
	`branch` text,
	`started_at` text NOT NULL,
	`ended_at` text,
	`exit_code` integer,
	`result` text,
	`reason` text,
	`pending_receipt` text,
	PRIMARY KEY(`run_id`, `task_id`, `attempt`)
);
--> statement-breakpoint
CREATE INDEX `attempts_active_idx` ON `attempts` (`owner_pid`) WHERE "attempts"."state" IN ('leased', 'starting', 'running');--> statement-breakpoint
CREATE TABLE `audit_log` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`at` text NOT NULL,
	`actor` text NOT NULL,
	`action` text NOT NULL,
	`subject` text,
	`detail` text
);
--> statement-breakpoint
CREATE INDEX `audit_log_at_idx` ON `audit_log` (`at`);--> statement-breakpoint
CREATE TABLE `checkpoints` (
	`thread_id` text NOT NULL,
	`name` text NOT NULL,
	`reason` text NOT NULL,
	`state` text NOT NULL,
	`created_at` text NOT NULL,
	PRIMARY KEY(`thread_id`, `name`)
);
--> statement-breakpoint
CREATE TABLE `inbox` (
	`seq` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`run_id` text NOT NULL,
	`task_id` text NOT NULL,
	`priority` integer NOT NULL,
	`enqueued_at` text NOT NULL,
	`ready_at` integer DEFAULT 0 NOT NULL,
	`lease_deadline` integer,
	`lease_token` text,
	`worker_id` text,
	`attempts` integer DEFAULT 0 NOT NULL,
	`requires` text,
	`pool` text,
	`held` integer DEFAULT 0 NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `inbox_task_uq` ON `inbox` (`run_id`,`task_id`);--> statement-breakpoint
CREATE INDEX `inbox_ready_idx` ON `inbox` (`pool`,`held`,`lease_token`,"priority" DESC,`enqueued_at`,`seq`);--> statement-breakpoint
CREATE TABLE `jobs` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`status` text NOT NULL,
	`progress` integer DEFAULT 0 NOT NULL,
	`detail` text,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `jobs_updated_idx` ON `jobs` (`updated_at`);--> statement-breakpoint
CREATE TABLE `messages` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`thread_id` text NOT NULL,
	`role` text NOT NULL,
	`content` text NOT NULL,
	`created_at` text NOT NULL,
	FOREIGN KEY (`thread_id`) REFERENCES `threads`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `messages_thread_idx` ON `messages` (`thread_id`,`id`);--> statement-breakpoint
CREATE TABLE `receipts` (
	`run_id` text NOT NULL,
	`task_id` text NOT NULL,
	`attempt` integer NOT NULL,
	`worker_id` text NOT NULL,
	`completed_at` text NOT NULL,
	`result` text NOT NULL,
	`body` text NOT NULL,
	PRIMARY KEY(`run_id`, `task_id`, `attempt`)
);
--> statement-breakpoint
CREATE TABLE `runs` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`status` text NOT NULL,
	`labels` text DEFAULT '{}' NOT NULL,
	`worker_specs` text DEFAULT '[]' NOT NULL,
	`workspace` text,
	`created_at` text NOT NULL,
	`updated_at` text,
	`completed_at` text,
	`last_seq` integer DEFAULT 0 NOT NULL,
	`tasks_total` integer DEFAULT 0 NOT NULL,
	`tasks_passed` integer DEFAULT 0 NOT NULL,
	`tasks_failed` integer DEFAULT 0 NOT NULL,
	`tasks_review` integer DEFAULT 0 NOT NULL,
	`tasks_cancelled` integer DEFAULT 0 NOT NULL
);
--> statement-breakpoint
CREATE INDEX `runs_created_idx` ON `runs` (`created_at`);--> statement-breakpoint
CREATE TABLE `settings` (
	`key` text PRIMARY KEY NOT NULL,
	`value` text NOT NULL,
	`updated_at` text NOT NULL
);
--> statement-breakpoint
CREATE TABLE `tasks` (
	`run_id` text NOT NULL,
	`task_id` text NOT NULL,
	`ordinal` integer NOT NULL,
	`name` text NOT NULL,
	`spec` text NOT NULL,
	`priority` integer DEFAULT 0 NOT NULL,
	`state` text NOT NULL,
	`attempts` integer DEFAULT 0 NOT NULL,
	`max_attempts` integer DEFAULT 3 NOT NULL,
	`result` text,
	`worker_id` text,
	`started_at` text,
	`finished_at` text,
	`last_error` text,
	`unplaceable` text,
	PRIMARY KEY(`run_id`, `task_id`),
	FOREIGN KEY (`run_id`) REFERENCES `runs`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `threads` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text,
	`preview` text DEFAULT '' NOT NULL,
	`source` text NOT NULL,
	`model` text NOT NULL,
	`model_provider` text NOT NULL,
	`status` text NOT NULL,
	`archived` integer DEFAULT 0 NOT NULL,
	`forked_from` text,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `threads_updated_idx` ON `threads` (`updated_at`);--> statement-breakpoint
CREATE TABLE `worker_events` (
	`run_id` text NOT NULL,
	`seq` integer NOT NULL,
	`task_id` text NOT NULL,
	`worker_id` text NOT NULL,
	`timestamp` text NOT NULL,
	`state` text NOT NULL,
	`attempt` integer,
	`body` text NOT NULL,
	PRIMARY KEY(`run_id`, `seq`)
);
--> statement-breakpoint
CREATE INDEX `worker_events_task_idx` ON `worker_events` (`run_id`,`task_id`,`seq`);--> statement-breakpoint
CREATE TABLE `workers` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`host` text NOT NULL,
	`labels` text DEFAULT '{}' NOT NULL,
	`capabilities` text DEFAULT '[]' NOT NULL,
	`max_concurrent` integer,
	`status` text NOT NULL,
	`last_heartbeat_at` text,
	`cpu_percent` real,
	`memory_mb` integer,
	`created_at` text NOT NULL,
	`updated_at` text
);
