// The workflows the worker registers.
export { checkout } from './checkout.ts';
