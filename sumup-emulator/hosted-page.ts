import express, { type Response } from 'express';
import { toMajorUnits } from '../activities/payments/minor-units.ts';
import { StateError, type Checkout, type EmulatorStore } from './store.ts';

const escape = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function page(res: Response, status: number, title: string, body: string): void {
  res
    .status(status)
    .type('html')
    .send(
      `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escape(title)}</title>` +
        `<meta name="viewport" content="width=device-width, initial-scale=1"></head>` +
        `<body><main data-page="${escape(title)}"><h1>${escape(title)}</h1>${body}</main></body></html>`,
    );
}

function backLink(checkout: Checkout): string {
  return checkout.redirectUrl
    ? `<p><a id="back" href="${escape(checkout.redirectUrl)}">Back to ${escape(checkout.account.merchantName)}</a></p>`
    : '';
}

function summary(checkout: Checkout, verb = 'Pay'): string {
  const amount = toMajorUnits(checkout.amountMinor, checkout.currency).toFixed(
    checkout.currency === 'CLP' ? 0 : 2,
  );
  return (
    `<p>${verb} <strong id="amount">${amount} ${escape(checkout.currency)}</strong> to ` +
    `${escape(checkout.account.merchantName)}</p>` +
    (checkout.description ? `<p id="description">${escape(checkout.description)}</p>` : '')
  );
}

const button = (checkout: Checkout, action: string, label: string) =>
  `<form method="post" action="/pay/c-${checkout.id}/${action}"><button id="${action}" type="submit">${label}</button></form>`;

/** SumUp's hosted payment page: Pay, Decline and Abandon, and the states they lead to. */
export function hostedPage(store: EmulatorStore): express.Router {
  const router = express.Router();
  router.use(express.urlencoded({ extended: false }));

  router.get('/pay/c-:id', (req, res) => {
    const checkout = store.find(req.params.id);
    if (!checkout)
      return page(res, 404, 'Checkout not found', '<p>This payment link is not valid.</p>');
    switch (checkout.status) {
      case 'PAID':
        return page(res, 200, 'Payment successful', summary(checkout, 'Paid') + backLink(checkout));
      case 'EXPIRED':
        return page(
          res,
          410,
          'Payment expired',
          '<p>This payment session has expired.</p>' + backLink(checkout),
        );
      case 'FAILED':
        return page(
          res,
          200,
          'Payment failed',
          summary(checkout) +
            '<p>Your card was declined.</p>' +
            button(checkout, 'pay', 'Try again') +
            button(checkout, 'abandon', 'Abandon') +
            backLink(checkout),
        );
      case 'PENDING':
        return page(
          res,
          200,
          'Pay with SumUp',
          summary(checkout) +
            button(checkout, 'pay', 'Pay') +
            button(checkout, 'decline', 'Decline') +
            button(checkout, 'abandon', 'Abandon'),
        );
    }
  });

  const act =
    (outcome: 'approve' | 'decline') => (req: express.Request<{ id: string }>, res: Response) => {
      const checkout = store.find(req.params.id);
      if (!checkout)
        return page(res, 404, 'Checkout not found', '<p>This payment link is not valid.</p>');
      try {
        store.pay(checkout, outcome);
      } catch (error) {
        if (!(error instanceof StateError)) throw error;
      }
      res.redirect(303, `/pay/c-${checkout.id}`);
    };
  router.post('/pay/c-:id/pay', act('approve'));
  router.post('/pay/c-:id/decline', act('decline'));
  router.post('/pay/c-:id/abandon', (req, res) => {
    const checkout = store.find(req.params.id);
    if (!checkout)
      return page(res, 404, 'Checkout not found', '<p>This payment link is not valid.</p>');
    // The shopper walks away: the checkout stays as it was until it expires.
    page(
      res,
      200,
      'Payment abandoned',
      '<p>You left the payment without paying.</p>' + backLink(checkout),
    );
  });
  return router;
}
