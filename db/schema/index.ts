export * from './pages.ts';
export * from './catalogue.ts';
export * from './calendar.ts';
export * from './cart.ts';
export * from './orders.ts';
export * from './refunds.ts';
export * from './outbox.ts';
export * from './idempotency.ts';
