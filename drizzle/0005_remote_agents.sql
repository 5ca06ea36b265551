CREATE TABLE `agent_join_tokens` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text,
	`token_hash` text NOT NULL,
	`capabilities` text DEFAULT '[]' NOT NULL,
	`created_at` text NOT NULL,
	`expires_at` integer NOT NULL,
	`used_at` text,
	`agent_id` text,
	`revoked_at` text
);
--> statement-breakpoint
CREATE UNIQUE INDEX `agent_join_tokens_hash_idx` ON `agent_join_tokens` (`token_hash`);--> statement-breakpoint
CREATE TABLE `remote_agents` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`credential_hash` text NOT NULL,
	`capabilities` text DEFAULT '[]' NOT NULL,
	`version` text,
	`hostname` text,
	`address` text,
	`acked_seq` integer DEFAULT 0 NOT NULL,
	`created_at` text NOT NULL,
	`last_seen_at` text,
	`revoked_at` text
);
