ALTER TABLE "calendar_entries" ADD COLUMN "ref" text;--> statement-breakpoint
ALTER TABLE "calendar_entries" ADD COLUMN "retired_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "calendar_slots" ADD COLUMN "days" text[] DEFAULT ARRAY['mon','tue','wed','thu','fri','sat','sun'] NOT NULL;--> statement-breakpoint
ALTER TABLE "calendar_slots" ADD COLUMN "times" jsonb DEFAULT '[{"start":"00:00","end":"24:00"}]'::jsonb NOT NULL;--> statement-breakpoint
ALTER TABLE "calendar_slots" ADD COLUMN "ref" text;--> statement-breakpoint
ALTER TABLE "calendar_slots" ADD COLUMN "retired_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "calendars" ADD COLUMN "time_zone" text DEFAULT 'UTC' NOT NULL;--> statement-breakpoint
ALTER TABLE "calendars" ADD COLUMN "ref" text;--> statement-breakpoint
ALTER TABLE "calendars" ADD COLUMN "retired_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "ticket_types" ADD COLUMN "ref" text;--> statement-breakpoint
ALTER TABLE "ticket_types" ADD COLUMN "retired_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "calendar_entries" ADD CONSTRAINT "calendar_entries_ref_key" UNIQUE("ref");--> statement-breakpoint
ALTER TABLE "calendar_slots" ADD CONSTRAINT "calendar_slots_calendar_ref_key" UNIQUE("calendar_id","ref");--> statement-breakpoint
ALTER TABLE "calendars" ADD CONSTRAINT "calendars_ref_key" UNIQUE("ref");--> statement-breakpoint
ALTER TABLE "ticket_types" ADD CONSTRAINT "ticket_types_entry_ref_key" UNIQUE("entry_id","ref");