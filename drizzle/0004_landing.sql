CREATE TABLE `candidate_picks` (
	`run_id` text NOT NULL,
	`group_id` text NOT NULL,
	`task_id` text NOT NULL,
	`picked_by` text NOT NULL,
	`picked_at` text NOT NULL,
	PRIMARY KEY(`run_id`, `group_id`)
);
--> statement-breakpoint
CREATE TABLE `landing_items` (
	`landing_id` text NOT NULL,
	`task_id` text NOT NULL,
	`ordinal` integer NOT NULL,
	`branch` text NOT NULL,
	`state` text NOT NULL,
	`commit` text,
	`files` text DEFAULT '[]' NOT NULL,
	`reason` text,
	`updated_at` text NOT NULL,
	PRIMARY KEY(`landing_id`, `task_id`),
	FOREIGN KEY (`landing_id`) REFERENCES `landings`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `landings` (
	`id` text PRIMARY KEY NOT NULL,
	`run_id` text NOT NULL,
	`repo` text NOT NULL,
	`into_branch` text NOT NULL,
	`mode` text NOT NULL,
	`check_command` text,
	`status` text NOT NULL,
	`base_commit` text NOT NULL,
	`tip_commit` text NOT NULL,
	`error` text,
	`owner_pid` integer,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `landings_run_idx` ON `landings` (`run_id`,`created_at`);