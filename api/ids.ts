import { z } from 'zod';

// PostgreSQL's integer ids, as the API takes them. One spelling per id: a path or query id
// is canonical decimal ("42", never "0x2a", "4.2e1", "042" or " 42"), so that two URLs never
// name the same row; a body id is a JSON integer.

const MAX_ID = 2_147_483_647;

/**
 * A pattern for the canonical decimal numbers 1..max, so that the OpenAPI document says
 * exactly what is taken: a client reading it never sends a number the server refuses.
 */
export function decimalUpTo(max: number): RegExp {
  const digits = String(max);
  const shorter = digits.length > 1 ? [`[1-9][0-9]{0,${digits.length - 2}}`] : [];
  // Numbers as long as max: max's first i digits, a smaller digit, then any digits.
  const sameLength = [...digits].flatMap((digit, i) => {
    const lowest = i === 0 ? 1 : 0;
    if (Number(digit) <= lowest) return [];
    const rest = digits.length - i - 1;
    return [`${digits.slice(0, i)}[${lowest}-${Number(digit) - 1}]${rest ? `[0-9]{${rest}}` : ''}`];
  });
  return new RegExp(`^(?:${[...shorter, ...sameLength, digits].join('|')})$`);
}

/** A row id in a path or a query string. */
export const pathId = z
  .string()
  .regex(decimalUpTo(MAX_ID), `a whole number from 1 to ${MAX_ID} in decimal digits, as 42`)
  .transform(Number);

/** A row id in a JSON body. */
export const bodyId = z.number().int().positive().max(MAX_ID);

/** A small count in a query string (a page size), canonical decimal like `pathId`. */
export const queryCount = (max: number) =>
  z
    .string()
    .regex(decimalUpTo(max), `a whole number from 1 to ${max} in decimal digits, as 20`)
    .transform(Number);
