CREATE TABLE `worker_registry` (
	`name` text PRIMARY KEY NOT NULL,
	`host` text NOT NULL,
	`capabilities` text DEFAULT '[]' NOT NULL,
	`max_concurrent` integer,
	`docker_host` text,
	`host_key` text,
	`sealed_secret` text,
	`created_at` text NOT NULL,
	`updated_at` text
);
--> statement-breakpoint
ALTER TABLE `attempts` ADD `host_ref` text;