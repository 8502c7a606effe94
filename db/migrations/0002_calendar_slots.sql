CREATE TABLE "calendar_slots" (
	"id" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "calendar_slots_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),
	"calendar_id" integer NOT NULL,
	"name" text NOT NULL,
	"cost_minor" integer NOT NULL,
	"currency" char(3) NOT NULL,
	"duration_minutes" integer NOT NULL,
	"active" boolean DEFAULT true NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "calendar_slots_calendar_name_key" UNIQUE("calendar_id","name"),
	CONSTRAINT "calendar_slots_cost_non_negative" CHECK ("calendar_slots"."cost_minor" >= 0),
	CONSTRAINT "calendar_slots_currency_iso" CHECK ("calendar_slots"."currency" ~ '^[A-Z]{3}$'),
	CONSTRAINT "calendar_slots_duration_positive" CHECK ("calendar_slots"."duration_minutes" > 0)
);
--> statement-breakpoint
ALTER TABLE "calendar_entries" ADD COLUMN "slot_id" integer;--> statement-breakpoint
ALTER TABLE "calendar_slots" ADD CONSTRAINT "calendar_slots_calendar_id_calendars_id_fk" FOREIGN KEY ("calendar_id") REFERENCES "public"."calendars"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "calendar_entries" ADD CONSTRAINT "calendar_entries_slot_id_calendar_slots_id_fk" FOREIGN KEY ("slot_id") REFERENCES "public"."calendar_slots"("id") ON DELETE no action ON UPDATE no action;