// SumUp speaks major units as JSON numbers (10.1 = ten euros ten); we keep integer minor
// units everywhere else. These two are the only crossing points.

/** ISO 4217 minor-unit exponents of SumUp's currencies that are not 2. */
const EXPONENTS: Record<string, number> = { CLP: 0 };

export const currencyExponent = (currency: string): number => EXPONENTS[currency] ?? 2;

export function toMajorUnits(minor: number, currency: string): number {
  if (!Number.isSafeInteger(minor)) throw new RangeError(`not an integer amount: ${minor}`);
  return minor / 10 ** currencyExponent(currency);
}

/** Undefined when `major` has more decimals than the currency allows. */
export function toMinorUnits(major: number, currency: string): number | undefined {
  const minor = Math.round(major * 10 ** currencyExponent(currency));
  return toMajorUnits(minor, currency) === major ? minor : undefined;
}
