DROP INDEX `attempts_active_idx`;--> statement-breakpoint
DROP INDEX `inbox_ready_idx`;--> statement-breakpoint
CREATE INDEX `inbox_waiting_idx` ON `inbox` (`pool`,`held`,"priority" DESC,`enqueued_at`,`seq`) WHERE "inbox"."lease_token" IS NULL;