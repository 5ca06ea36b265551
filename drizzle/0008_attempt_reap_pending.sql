ALTER TABLE `attempts` ADD `reap_pending` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
CREATE INDEX `attempts_reap_pending_idx` ON `attempts` (`reap_pending`) WHERE "attempts"."reap_pending" = 1;--> statement-breakpoint
-- Work a host may still run when this version first opens the store (a Shoal killed mid-attempt
-- just before the upgrade): the obligation to end it starts out recorded, like a new attempt's.
UPDATE `attempts` SET `reap_pending` = 1
WHERE `state` IN ('leased', 'starting', 'running') AND `host_ref` IS NOT NULL
	AND json_valid(`host_ref`) AND json_extract(`host_ref`, '$.kind') != 'agent';
