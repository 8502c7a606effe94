-- A page keeps the credentials of every merchant it has used (one row per page and merchant,
-- the one it pays now `current`), and each order names the merchant it was made for.
ALTER TABLE "page_sumup_credentials" DROP CONSTRAINT "page_sumup_credentials_pkey";--> statement-breakpoint
ALTER TABLE "page_sumup_credentials" ADD CONSTRAINT "page_sumup_credentials_pkey" PRIMARY KEY("page_id","merchant_code");--> statement-breakpoint
ALTER TABLE "page_sumup_credentials" ADD COLUMN "current" boolean DEFAULT true NOT NULL;--> statement-breakpoint
ALTER TABLE "orders" ADD COLUMN "sumup_merchant_code" text;--> statement-breakpoint
-- Orders made before: a page's order was made for the page's merchant (the only one it had);
-- a global order stays null, "the default merchant of the time", read as before.
UPDATE "orders" SET "sumup_merchant_code" = c."merchant_code"
  FROM "page_sumup_credentials" c WHERE c."page_id" = "orders"."page_id";--> statement-breakpoint
ALTER TABLE "orders" ADD CONSTRAINT "orders_page_merchant_fkey" FOREIGN KEY ("page_id","sumup_merchant_code") REFERENCES "public"."page_sumup_credentials"("page_id","merchant_code") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "page_sumup_credentials_current_key" ON "page_sumup_credentials" USING btree ("page_id") WHERE "page_sumup_credentials"."current";
