CREATE TYPE "public"."calendar_entry_state" AS ENUM('pending', 'ordered', 'provisional', 'confirmed', 'declined', 'cancelled');--> statement-breakpoint
CREATE TYPE "public"."ticket_state" AS ENUM('pending', 'reserved', 'confirmed', 'checked_in', 'cancelled');--> statement-breakpoint
CREATE TYPE "public"."order_item_kind" AS ENUM('product', 'booking', 'ticket');--> statement-breakpoint
CREATE TYPE "public"."order_status" AS ENUM('pending', 'paid', 'failed', 'expired', 'cancelled');--> statement-breakpoint
CREATE TYPE "public"."order_refund_state" AS ENUM('refund_due', 'refunded');--> statement-breakpoint
CREATE TYPE "public"."refund_status" AS ENUM('due', 'issued', 'failed', 'handled');--> statement-breakpoint
CREATE TABLE "page_payment_settings" (
	"page_id" integer PRIMARY KEY NOT NULL,
	"checkout_reference_prefix" text NOT NULL,
	"currency" char(3) NOT NULL,
	"auto_refund" boolean DEFAULT false NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "page_payment_settings_prefix_format" CHECK ("page_payment_settings"."checkout_reference_prefix" ~ '^[A-Za-z0-9_-]{1,20}$'),
	CONSTRAINT "page_payment_settings_currency_iso" CHECK ("page_payment_settings"."currency" ~ '^[A-Z]{3}$')
);
--> statement-breakpoint
CREATE TABLE "page_sumup_credentials" (
	"page_id" integer PRIMARY KEY NOT NULL,
	"merchant_code" text NOT NULL,
	"api_key" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "pages" (
	"id" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "pages_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),
	"slug" text NOT NULL,
	"title" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "pages_slug_key" UNIQUE("slug")
);
--> statement-breakpoint
CREATE TABLE "products" (
	"id" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "products_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),
	"page_id" integer NOT NULL,
	"slug" text NOT NULL,
	"title" text NOT NULL,
	"price_minor" integer NOT NULL,
	"currency" char(3) NOT NULL,
	"active" boolean DEFAULT true NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "products_page_slug_key" UNIQUE("page_id","slug"),
	CONSTRAINT "products_price_non_negative" CHECK ("products"."price_minor" >= 0),
	CONSTRAINT "products_currency_iso" CHECK ("products"."currency" ~ '^[A-Z]{3}$')
);
--> statement-breakpoint
CREATE TABLE "calendar_entries" (
	"id" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "calendar_entries_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),
	"calendar_id" integer NOT NULL,
	"name" text NOT NULL,
	"starts_at" timestamp with time zone NOT NULL,
	"ends_at" timestamp with time zone,
	"state" "calendar_entry_state" DEFAULT 'pending' NOT NULL,
	"user_id" text,
	"session_id" text,
	"order_id" integer,
	"cost_minor" integer DEFAULT 0 NOT NULL,
	"currency" char(3) NOT NULL,
	"ticket_price_minor" integer,
	"ticket_capacity" integer,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "calendar_entries_cost_non_negative" CHECK ("calendar_entries"."cost_minor" >= 0),
	CONSTRAINT "calendar_entries_ticket_price_non_negative" CHECK ("calendar_entries"."ticket_price_minor" >= 0),
	CONSTRAINT "calendar_entries_ticket_capacity_non_negative" CHECK ("calendar_entries"."ticket_capacity" >= 0),
	CONSTRAINT "calendar_entries_currency_iso" CHECK ("calendar_entries"."currency" ~ '^[A-Z]{3}$'),
	CONSTRAINT "calendar_entries_ends_after_start" CHECK ("calendar_entries"."ends_at" IS NULL OR "calendar_entries"."ends_at" > "calendar_entries"."starts_at"),
	CONSTRAINT "calendar_entries_pending_in_a_cart" CHECK ("calendar_entries"."state" <> 'pending' OR (("calendar_entries"."user_id" IS NOT NULL OR "calendar_entries"."session_id" IS NOT NULL) AND "calendar_entries"."order_id" IS NULL)),
	CONSTRAINT "calendar_entries_claimed_by_an_order" CHECK (NOT ("calendar_entries"."state" IN ('ordered', 'provisional')) OR "calendar_entries"."order_id" IS NOT NULL)
);
--> statement-breakpoint
CREATE TABLE "calendars" (
	"id" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "calendars_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),
	"page_id" integer NOT NULL,
	"slug" text NOT NULL,
	"title" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "calendars_page_slug_key" UNIQUE("page_id","slug")
);
--> statement-breakpoint
CREATE TABLE "ticket_types" (
	"id" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "ticket_types_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),
	"entry_id" integer NOT NULL,
	"name" text NOT NULL,
	"cost_minor" integer NOT NULL,
	"currency" char(3) NOT NULL,
	"capacity" integer NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "ticket_types_entry_name_key" UNIQUE("entry_id","name"),
	CONSTRAINT "ticket_types_id_entry_key" UNIQUE("id","entry_id"),
	CONSTRAINT "ticket_types_cost_non_negative" CHECK ("ticket_types"."cost_minor" >= 0),
	CONSTRAINT "ticket_types_capacity_non_negative" CHECK ("ticket_types"."capacity" >= 0),
	CONSTRAINT "ticket_types_currency_iso" CHECK ("ticket_types"."currency" ~ '^[A-Z]{3}$')
);
--> statement-breakpoint
CREATE TABLE "tickets" (
	"id" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "tickets_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),
	"entry_id" integer NOT NULL,
	"ticket_type_id" integer,
	"user_id" text NOT NULL,
	"state" "ticket_state" DEFAULT 'pending' NOT NULL,
	"order_id" integer,
	"code" text DEFAULT replace(gen_random_uuid()::text, '-', '') NOT NULL,
	"checked_in_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "tickets_code_key" UNIQUE("code"),
	CONSTRAINT "tickets_pending_unclaimed" CHECK ("tickets"."state" <> 'pending' OR "tickets"."order_id" IS NULL),
	CONSTRAINT "tickets_seat_holders_claimed" CHECK (NOT ("tickets"."state" IN ('reserved', 'confirmed', 'checked_in')) OR "tickets"."order_id" IS NOT NULL),
	CONSTRAINT "tickets_checked_in_has_time" CHECK ("tickets"."state" <> 'checked_in' OR "tickets"."checked_in_at" IS NOT NULL)
);
--> statement-breakpoint
CREATE TABLE "cart_lines" (
	"id" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "cart_lines_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),
	"user_id" text,
	"session_id" text,
	"product_id" integer NOT NULL,
	"quantity" integer NOT NULL,
	"order_id" integer,
	"deleted_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "cart_lines_has_shopper" CHECK ("cart_lines"."user_id" IS NOT NULL OR "cart_lines"."session_id" IS NOT NULL),
	CONSTRAINT "cart_lines_quantity_positive" CHECK ("cart_lines"."quantity" > 0)
);
--> statement-breakpoint
CREATE TABLE "order_items" (
	"id" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "order_items_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),
	"order_id" integer NOT NULL,
	"kind" "order_item_kind" NOT NULL,
	"product_id" integer,
	"cart_line_id" integer,
	"calendar_entry_id" integer,
	"ticket_id" integer,
	"title" text NOT NULL,
	"quantity" integer NOT NULL,
	"unit_price_minor" integer NOT NULL,
	"currency" char(3) NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "order_items_order_ticket_key" UNIQUE("order_id","ticket_id"),
	CONSTRAINT "order_items_order_entry_key" UNIQUE("order_id","calendar_entry_id"),
	CONSTRAINT "order_items_order_cart_line_key" UNIQUE("order_id","cart_line_id"),
	CONSTRAINT "order_items_quantity_positive" CHECK ("order_items"."quantity" > 0),
	CONSTRAINT "order_items_unit_price_non_negative" CHECK ("order_items"."unit_price_minor" >= 0),
	CONSTRAINT "order_items_currency_iso" CHECK ("order_items"."currency" ~ '^[A-Z]{3}$'),
	CONSTRAINT "order_items_kind_matches_reference" CHECK (("order_items"."kind" = 'product' AND "order_items"."product_id" IS NOT NULL AND "order_items"."calendar_entry_id" IS NULL AND "order_items"."ticket_id" IS NULL)
       OR ("order_items"."kind" = 'booking' AND "order_items"."calendar_entry_id" IS NOT NULL AND "order_items"."product_id" IS NULL AND "order_items"."ticket_id" IS NULL AND "order_items"."quantity" = 1)
       OR ("order_items"."kind" = 'ticket' AND "order_items"."ticket_id" IS NOT NULL AND "order_items"."product_id" IS NULL AND "order_items"."calendar_entry_id" IS NULL AND "order_items"."quantity" = 1))
);
--> statement-breakpoint
CREATE TABLE "orders" (
	"id" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "orders_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),
	"public_token" text DEFAULT replace(gen_random_uuid()::text || gen_random_uuid()::text, '-', '') NOT NULL,
	"idempotency_key" text NOT NULL,
	"user_id" text,
	"session_id" text,
	"page_id" integer,
	"status" "order_status" DEFAULT 'pending' NOT NULL,
	"refund_state" "order_refund_state",
	"currency" char(3) NOT NULL,
	"total_minor" integer NOT NULL,
	"workflow_id" text NOT NULL,
	"checkout_reference" text,
	"sumup_checkout_id" text,
	"hosted_checkout_url" text,
	"sumup_transaction_id" text,
	"paid_at" timestamp with time zone,
	"closed_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "orders_public_token_key" UNIQUE("public_token"),
	CONSTRAINT "orders_idempotency_key_key" UNIQUE("idempotency_key"),
	CONSTRAINT "orders_checkout_reference_key" UNIQUE("checkout_reference"),
	CONSTRAINT "orders_sumup_checkout_id_key" UNIQUE("sumup_checkout_id"),
	CONSTRAINT "orders_has_shopper" CHECK ("orders"."user_id" IS NOT NULL OR "orders"."session_id" IS NOT NULL),
	CONSTRAINT "orders_total_non_negative" CHECK ("orders"."total_minor" >= 0),
	CONSTRAINT "orders_currency_iso" CHECK ("orders"."currency" ~ '^[A-Z]{3}$'),
	CONSTRAINT "orders_paid_has_time" CHECK ("orders"."status" <> 'paid' OR "orders"."paid_at" IS NOT NULL)
);
--> statement-breakpoint
CREATE TABLE "refunds" (
	"id" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "refunds_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),
	"order_id" integer NOT NULL,
	"key" text NOT NULL,
	"amount_minor" integer NOT NULL,
	"currency" char(3) NOT NULL,
	"reason" text NOT NULL,
	"status" "refund_status" DEFAULT 'due' NOT NULL,
	"sumup_transaction_id" text,
	"attempts" integer DEFAULT 0 NOT NULL,
	"last_error" text,
	"issued_at" timestamp with time zone,
	"handled_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "refunds_order_key_key" UNIQUE("order_id","key"),
	CONSTRAINT "refunds_amount_positive" CHECK ("refunds"."amount_minor" > 0),
	CONSTRAINT "refunds_currency_iso" CHECK ("refunds"."currency" ~ '^[A-Z]{3}$'),
	CONSTRAINT "refunds_issued_has_time" CHECK ("refunds"."status" <> 'issued' OR "refunds"."issued_at" IS NOT NULL),
	CONSTRAINT "refunds_handled_has_time" CHECK ("refunds"."status" <> 'handled' OR "refunds"."handled_at" IS NOT NULL)
);
--> statement-breakpoint
CREATE TABLE "outbox_events" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "outbox_events_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"type" text NOT NULL,
	"key" text NOT NULL,
	"order_id" integer,
	"payload" jsonb NOT NULL,
	"published_at" timestamp with time zone,
	"attempts" integer DEFAULT 0 NOT NULL,
	"last_error" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "outbox_events_key_key" UNIQUE("key"),
	CONSTRAINT "outbox_events_type_format" CHECK ("outbox_events"."type" ~ '^[a-z]+(\.[a-z_]+)+$')
);
--> statement-breakpoint
ALTER TABLE "page_payment_settings" ADD CONSTRAINT "page_payment_settings_page_id_pages_id_fk" FOREIGN KEY ("page_id") REFERENCES "public"."pages"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "page_sumup_credentials" ADD CONSTRAINT "page_sumup_credentials_page_id_pages_id_fk" FOREIGN KEY ("page_id") REFERENCES "public"."pages"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "products" ADD CONSTRAINT "products_page_id_pages_id_fk" FOREIGN KEY ("page_id") REFERENCES "public"."pages"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "calendar_entries" ADD CONSTRAINT "calendar_entries_calendar_id_calendars_id_fk" FOREIGN KEY ("calendar_id") REFERENCES "public"."calendars"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "calendar_entries" ADD CONSTRAINT "calendar_entries_order_id_orders_id_fk" FOREIGN KEY ("order_id") REFERENCES "public"."orders"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "calendars" ADD CONSTRAINT "calendars_page_id_pages_id_fk" FOREIGN KEY ("page_id") REFERENCES "public"."pages"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "ticket_types" ADD CONSTRAINT "ticket_types_entry_id_calendar_entries_id_fk" FOREIGN KEY ("entry_id") REFERENCES "public"."calendar_entries"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "tickets" ADD CONSTRAINT "tickets_entry_id_calendar_entries_id_fk" FOREIGN KEY ("entry_id") REFERENCES "public"."calendar_entries"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "tickets" ADD CONSTRAINT "tickets_order_id_orders_id_fk" FOREIGN KEY ("order_id") REFERENCES "public"."orders"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "tickets" ADD CONSTRAINT "tickets_ticket_type_of_entry_fk" FOREIGN KEY ("ticket_type_id","entry_id") REFERENCES "public"."ticket_types"("id","entry_id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "cart_lines" ADD CONSTRAINT "cart_lines_product_id_products_id_fk" FOREIGN KEY ("product_id") REFERENCES "public"."products"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "cart_lines" ADD CONSTRAINT "cart_lines_order_id_orders_id_fk" FOREIGN KEY ("order_id") REFERENCES "public"."orders"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "order_items" ADD CONSTRAINT "order_items_order_id_orders_id_fk" FOREIGN KEY ("order_id") REFERENCES "public"."orders"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "order_items" ADD CONSTRAINT "order_items_product_id_products_id_fk" FOREIGN KEY ("product_id") REFERENCES "public"."products"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "order_items" ADD CONSTRAINT "order_items_cart_line_id_cart_lines_id_fk" FOREIGN KEY ("cart_line_id") REFERENCES "public"."cart_lines"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "order_items" ADD CONSTRAINT "order_items_calendar_entry_id_calendar_entries_id_fk" FOREIGN KEY ("calendar_entry_id") REFERENCES "public"."calendar_entries"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "order_items" ADD CONSTRAINT "order_items_ticket_id_tickets_id_fk" FOREIGN KEY ("ticket_id") REFERENCES "public"."tickets"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "orders" ADD CONSTRAINT "orders_page_id_pages_id_fk" FOREIGN KEY ("page_id") REFERENCES "public"."pages"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "refunds" ADD CONSTRAINT "refunds_order_id_orders_id_fk" FOREIGN KEY ("order_id") REFERENCES "public"."orders"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "outbox_events" ADD CONSTRAINT "outbox_events_order_id_orders_id_fk" FOREIGN KEY ("order_id") REFERENCES "public"."orders"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "calendar_entries_cart_user_idx" ON "calendar_entries" USING btree ("user_id") WHERE "calendar_entries"."state" = 'pending';--> statement-breakpoint
CREATE INDEX "calendar_entries_cart_session_idx" ON "calendar_entries" USING btree ("session_id") WHERE "calendar_entries"."state" = 'pending';--> statement-breakpoint
CREATE INDEX "calendar_entries_order_idx" ON "calendar_entries" USING btree ("order_id");--> statement-breakpoint
CREATE INDEX "calendar_entries_calendar_starts_idx" ON "calendar_entries" USING btree ("calendar_id","starts_at");--> statement-breakpoint
CREATE INDEX "tickets_cart_user_idx" ON "tickets" USING btree ("user_id") WHERE "tickets"."state" = 'pending';--> statement-breakpoint
CREATE INDEX "tickets_order_idx" ON "tickets" USING btree ("order_id");--> statement-breakpoint
CREATE INDEX "tickets_seats_idx" ON "tickets" USING btree ("entry_id","ticket_type_id") WHERE ("tickets"."state" IN ('reserved', 'confirmed', 'checked_in'));--> statement-breakpoint
CREATE UNIQUE INDEX "cart_lines_live_user_product_key" ON "cart_lines" USING btree ("user_id","product_id") WHERE "cart_lines"."deleted_at" IS NULL AND "cart_lines"."user_id" IS NOT NULL;--> statement-breakpoint
CREATE UNIQUE INDEX "cart_lines_live_session_product_key" ON "cart_lines" USING btree ("session_id","product_id") WHERE "cart_lines"."deleted_at" IS NULL AND "cart_lines"."user_id" IS NULL;--> statement-breakpoint
CREATE INDEX "cart_lines_order_idx" ON "cart_lines" USING btree ("order_id");--> statement-breakpoint
CREATE INDEX "order_items_order_idx" ON "order_items" USING btree ("order_id");--> statement-breakpoint
CREATE INDEX "orders_user_created_idx" ON "orders" USING btree ("user_id","created_at" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "orders_session_created_idx" ON "orders" USING btree ("session_id","created_at" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "orders_workflow_idx" ON "orders" USING btree ("workflow_id");--> statement-breakpoint
CREATE INDEX "orders_refund_state_idx" ON "orders" USING btree ("refund_state") WHERE "orders"."refund_state" IS NOT NULL;--> statement-breakpoint
CREATE INDEX "refunds_open_idx" ON "refunds" USING btree ("status") WHERE "refunds"."status" IN ('due', 'failed');--> statement-breakpoint
CREATE INDEX "outbox_events_unpublished_idx" ON "outbox_events" USING btree ("id") WHERE "outbox_events"."published_at" IS NULL;--> statement-breakpoint
CREATE INDEX "outbox_events_order_idx" ON "outbox_events" USING btree ("order_id");