import { createHash } from 'node:crypto';
import type { Response } from 'express';

/** Text made safe for HTML: the only way a value reaches a page. */
export class Html {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

const escape = (text: string) =>
  text.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  );

type Part = Html | string | number | null | undefined | false | Part[];

const render = (part: Part): string =>
  part === null || part === undefined || part === false
    ? ''
    : part instanceof Html
      ? part.value
      : Array.isArray(part)
        ? part.map(render).join('')
        : escape(String(part));

/** A template whose interpolated values are escaped unless they are already {@link Html}. */
export function html(strings: TemplateStringsArray, ...values: Part[]): Html {
  return new Html(
    strings.reduce((out, s, i) => out + s + (i < values.length ? render(values[i]) : ''), ''),
  );
}

const fractionDigits = (currency: string) =>
  new Intl.NumberFormat('en-GB', { style: 'currency', currency }).resolvedOptions()
    .maximumFractionDigits ?? 2;

/** Minor units as the currency is written, computed on integers, never via floats. */
export function formatMoney(minor: number, currency: string): string {
  const digits = fractionDigits(currency);
  const scale = 10 ** digits;
  const sign = minor < 0 ? '-' : '';
  const whole = Math.floor(Math.abs(minor) / scale);
  const decimal = digits
    ? `${whole}.${String(Math.abs(minor) % scale).padStart(digits, '0')}`
    : `${whole}`;
  return new Intl.NumberFormat('en-GB', { style: 'currency', currency }).format(
    `${sign}${decimal}` as unknown as number,
  );
}

const STYLE = `body{font-family:system-ui,sans-serif;max-width:40rem;margin:2rem auto;padding:0 1rem;color:#222}
table{border-collapse:collapse;width:100%}td,th{padding:.35rem;border-bottom:1px solid #ddd;text-align:left}
td.n,th.n{text-align:right}.status{display:inline-block;padding:.1rem .5rem;border-radius:.3rem;background:#eee}
.paid{background:#d7f5dd}.failed{background:#f9d6d5}.pending{background:#fff2c2}
.notice{border:1px solid #e0b000;background:#fff8e0;padding:.75rem;border-radius:.3rem}
.cart-mini{position:relative;text-decoration:none}.cart-mini .badge{border-radius:1rem;padding:0 .4rem;background:#c00;color:#fff}
code,pre{background:#f5f5f5;padding:.1rem .3rem}pre{padding:.5rem;overflow:auto}`;

// The page's only style, allowed by its hash: the CSP stays free of 'unsafe-inline'.
const styleHash = createHash('sha256').update(STYLE).digest('base64');

/** Sends a whole page under a CSP that allows its one stylesheet and nothing else. */
export function sendPage(
  res: Response,
  title: string,
  body: Html,
  options: { status?: number; refreshSeconds?: number } = {},
): void {
  res
    .status(options.status ?? 200)
    .set(
      'content-security-policy',
      `default-src 'none'; style-src 'sha256-${styleHash}'; frame-ancestors 'none'`,
    )
    .type('text/html; charset=utf-8')
    .send(
      html`<!doctype html>
        <html lang="en">
          <head>
            <meta charset="utf-8" />
            <meta name="viewport" content="width=device-width, initial-scale=1" />
            ${options.refreshSeconds ? html`<meta http-equiv="refresh" content="${options.refreshSeconds}" />` : ''}
            <title>${title}</title>
            <style>
              ${new Html(STYLE)}
            </style>
          </head>
          <body>
            ${body}
          </body>
        </html>`.value,
    );
}

/** Sends a snippet for another service to embed in its own page. */
export function sendFragment(res: Response, body: Html): void {
  res.type('text/html; charset=utf-8').set('cache-control', 'private, no-store').send(body.value);
}
