import { WithStartWorkflowOperation, WorkflowNotFoundError, type Client } from '@temporalio/client';
import express, { type Request, type Response } from 'express';
import { z } from 'zod';
import { checkout } from '../../workflows/checkout.ts';
import {
  cancelCheckoutSignal,
  checkoutStatusQuery,
  checkoutWorkflowId,
  hostedCheckoutUpdate,
  type CheckoutView,
} from '../../workflows/checkout-messages.ts';
import type { CheckoutScope } from '../../workflows/checkout-types.ts';
import { shopperOf } from '../auth.ts';
import { ApiProblem, parse } from '../problem.ts';

const startBody = z
  .object({ pageId: z.number().int().positive().nullable().default(null) })
  .strict();
const scopeParam = z.object({
  scope: z.union([z.literal('global'), z.coerce.number().int().positive()]),
});

const scopeOf = (req: Request): CheckoutScope => {
  const { scope } = parse(scopeParam, req.params, 'path');
  return { pageId: scope === 'global' ? null : scope };
};

/** What the storefront sees of a checkout; the workflow id stays inside. */
function answer(view: CheckoutView) {
  return {
    orderId: view.orderId ?? null,
    status: view.state,
    hostedCheckoutUrl: view.hostedCheckoutUrl ?? null,
    totalMinor: view.totalMinor ?? null,
    currency: view.currency ?? null,
    ...(view.problems ? { problems: view.problems } : {}),
    steps: view.steps,
  };
}

export function checkoutRoutes(client: Client, taskQueue: string): express.Router {
  const router = express.Router();

  // Start a checkout, or attach to the shopper's running one for that scope, and answer as
  // soon as the hosted URL exists.
  router.post('/v1/checkouts', async (req: Request, res: Response) => {
    const { pageId } = parse(startBody, req.body ?? {}, 'body');
    const shopper = shopperOf(res);
    const scope = { pageId };
    const view = await client.workflow.executeUpdateWithStart(hostedCheckoutUpdate, {
      startWorkflowOperation: new WithStartWorkflowOperation(checkout, {
        workflowId: checkoutWorkflowId(shopper, scope),
        taskQueue,
        args: [{ shopper, scope }],
        workflowIdConflictPolicy: 'USE_EXISTING',
      }),
    });
    if (view.state === 'empty')
      throw new ApiProblem(409, 'cart_empty', 'There is nothing to check out.');
    if (view.state === 'unavailable') {
      throw new ApiProblem(409, 'lines_unavailable', 'Some lines cannot be bought.', [], {
        problems: view.problems ?? [],
      });
    }
    res.status(200).json(answer(view));
  });

  router.get('/v1/checkouts/:scope', async (req: Request, res: Response) => {
    const handle = client.workflow.getHandle(checkoutWorkflowId(shopperOf(res), scopeOf(req)));
    res.json(answer(await queryOr404(() => handle.query(checkoutStatusQuery))));
  });

  router.post('/v1/checkouts/:scope/cancel', async (req: Request, res: Response) => {
    const handle = client.workflow.getHandle(checkoutWorkflowId(shopperOf(res), scopeOf(req)));
    const view = await queryOr404(() => handle.query(checkoutStatusQuery));
    if (view.state === 'paid' || view.state === 'refund_due' || view.state === 'refunded') {
      throw new ApiProblem(409, 'checkout_paid', 'A paid checkout cannot be cancelled.');
    }
    await handle.signal(cancelCheckoutSignal).catch((error: unknown) => {
      // Ended between the query and the signal: nothing left to cancel.
      if (!(error instanceof WorkflowNotFoundError)) throw error;
    });
    res.status(202).json(answer(view));
  });

  return router;
}

async function queryOr404(query: () => Promise<CheckoutView>): Promise<CheckoutView> {
  try {
    return await query();
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) {
      throw new ApiProblem(
        404,
        'checkout_not_found',
        'There is no checkout for this shopper here.',
      );
    }
    throw error;
  }
}
