CREATE TABLE `failures` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`task_id` text NOT NULL,
	`reporter_id` text NOT NULL,
	`host_id` text NOT NULL,
	`piece` integer NOT NULL,
	`reason` text NOT NULL,
	`at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `failures_host_id` ON `failures` (`host_id`,`at`);--> statement-breakpoint
CREATE TABLE `hosts` (
	`id` text PRIMARY KEY NOT NULL,
	`addr` text NOT NULL,
	`idc` text DEFAULT '' NOT NULL,
	`seed` integer DEFAULT false NOT NULL,
	`uploads` integer DEFAULT 0 NOT NULL,
	`failures` integer DEFAULT 0 NOT NULL,
	`isolated_until` integer,
	`last_seen` integer NOT NULL,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `peers` (
	`task_id` text NOT NULL,
	`host_id` text NOT NULL,
	`bitmap` blob,
	`done` integer DEFAULT false NOT NULL,
	`source` integer DEFAULT false NOT NULL,
	`updated_at` integer NOT NULL,
	PRIMARY KEY(`task_id`, `host_id`)
);
--> statement-breakpoint
CREATE INDEX `peers_host_id` ON `peers` (`host_id`);--> statement-breakpoint
CREATE TABLE `pieces` (
	`task_id` text NOT NULL,
	`idx` integer NOT NULL,
	`digest` text NOT NULL,
	`seq` integer NOT NULL,
	PRIMARY KEY(`task_id`, `idx`)
);
--> statement-breakpoint
CREATE TABLE `tasks` (
	`id` text PRIMARY KEY NOT NULL,
	`url` text NOT NULL,
	`tag` text DEFAULT '' NOT NULL,
	`length` integer,
	`piece_size` integer,
	`piece_count` integer,
	`etag` text,
	`last_modified` text,
	`digest_seq` integer DEFAULT 0 NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL
);
