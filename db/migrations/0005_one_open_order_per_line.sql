ALTER TABLE "order_items" ADD COLUMN "open" boolean DEFAULT true NOT NULL;--> statement-breakpoint
-- Items of orders that are no longer pending hold nothing.
UPDATE "order_items" SET "open" = false FROM "orders"
WHERE "orders"."id" = "order_items"."order_id" AND "orders"."status" <> 'pending';--> statement-breakpoint
-- A line that two pending orders took (the double charge this migration ends) stays held by
-- the earlier order only; both orders run on as before.
UPDATE "order_items" SET "open" = false
WHERE "open" AND EXISTS (
  SELECT 1 FROM "order_items" AS "earlier"
  WHERE "earlier"."open" AND "earlier"."id" < "order_items"."id" AND (
    "earlier"."cart_line_id" = "order_items"."cart_line_id"
    OR "earlier"."calendar_entry_id" = "order_items"."calendar_entry_id"
    OR "earlier"."ticket_id" = "order_items"."ticket_id"));--> statement-breakpoint
CREATE UNIQUE INDEX "order_items_open_cart_line_key" ON "order_items" USING btree ("cart_line_id") WHERE "order_items"."open";--> statement-breakpoint
CREATE UNIQUE INDEX "order_items_open_entry_key" ON "order_items" USING btree ("calendar_entry_id") WHERE "order_items"."open";--> statement-breakpoint
CREATE UNIQUE INDEX "order_items_open_ticket_key" ON "order_items" USING btree ("ticket_id") WHERE "order_items"."open";--> statement-breakpoint
-- An order leaving `pending`, by whatever statement, frees its lines: the rule lives here,
-- not in each activity that closes or confirms an order.
CREATE FUNCTION "order_items_release"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE "order_items" SET "open" = false WHERE "order_id" = NEW."id" AND "open";
  RETURN NULL;
END
$$;--> statement-breakpoint
CREATE TRIGGER "orders_release_items" AFTER UPDATE OF "status" ON "orders"
FOR EACH ROW WHEN (OLD."status" = 'pending' AND NEW."status" <> 'pending')
EXECUTE FUNCTION "order_items_release"();
