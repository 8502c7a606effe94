import { z } from 'zod';

// PostgreSQL's integer ids, as the API takes them. One spelling per id: a path or query id
// is canonical decimal ("42", never "0x2a", "4.2e1", "042" or " 42"), so that two URLs never
// name the same row; a body id is a JSON integer.

const MAX_ID = 2_147_483_647;

/** A row id in a path or a query string. */
export const pathId = z
  .string()
  .regex(/^[1-9][0-9]{0,9}$/, 'a whole number written in decimal digits, as 42')
  .transform(Number)
  .pipe(z.number().max(MAX_ID));

/** A row id in a JSON body. */
export const bodyId = z.number().int().positive().max(MAX_ID);

/** A small count in a query string (a page size), canonical decimal like `pathId`. */
export const queryCount = (max: number) =>
  z
    .string()
    .regex(/^[1-9][0-9]{0,3}$/, 'a whole number written in decimal digits, as 20')
    .transform(Number)
    .pipe(z.number().max(max));
