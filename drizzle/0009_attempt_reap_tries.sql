ALTER TABLE `attempts` ADD `reap_error` text;--> statement-breakpoint
ALTER TABLE `attempts` ADD `reap_tries` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `attempts` ADD `reap_tried_at` text;