ALTER TABLE "pages" ADD COLUMN "ref" text;--> statement-breakpoint
ALTER TABLE "pages" ADD COLUMN "retired_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "products" ADD COLUMN "ref" text;--> statement-breakpoint
ALTER TABLE "products" ADD COLUMN "retired_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "pages" ADD CONSTRAINT "pages_ref_key" UNIQUE("ref");--> statement-breakpoint
ALTER TABLE "products" ADD CONSTRAINT "products_ref_key" UNIQUE("ref");