import { checkoutSearchAttributes } from '../../workflows/search-attributes.ts';
import { WithStartWorkflowOperation, WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { Response } from 'express';
import { z } from 'zod';
import { checkout } from '../../workflows/checkout.ts';
import {
  cancelCheckoutSignal,
  checkoutStates,
  checkoutStatusQuery,
  checkoutWorkflowId,
  hostedCheckoutUpdate,
  type CheckoutView,
} from '../../workflows/checkout-messages.ts';
import type { RefundRetry } from '../../workflows/activity-proxies.ts';
import type { CheckoutScope } from '../../workflows/checkout-types.ts';
import { shopperOf } from '../auth.ts';
import { endpoint, type Endpoint } from '../endpoint.ts';
import { pathId } from '../ids.ts';
import type { CheckoutScopeLabel } from '../metrics.ts';
import type { Database } from '../../db/client.ts';
import { ticketsWithoutSeats } from '../../db/queries/tickets-without-seats.ts';
import { adoptedCheckout } from '../../db/queries/orders.ts';
import { ApiProblem, lineProblemSchema, problemResponses } from '../problem.ts';

const startBody = z
  .object({
    pageId: z
      .number()
      .int()
      .positive()
      .max(2147483647)
      .nullable()
      .default(null)
      .describe('The page to check out; null or absent for the whole cart.'),
  })
  .strict();
const scopeParams = z.object({
  scope: z
    .union([z.literal('global'), pathId])
    .describe('`global`, or the page id of a page checkout.'),
});

const checkoutSchema = z.object({
  orderId: z.number().int().nullable(),
  status: z.enum(checkoutStates),
  hostedCheckoutUrl: z.string().nullable().describe("SumUp's hosted payment page."),
  totalMinor: z.number().int().nullable(),
  currency: z.string().nullable(),
  problems: z.array(lineProblemSchema).optional(),
  reason: z
    .string()
    .optional()
    .describe(
      'Why it ended unpaid or waits for ops: `payment_provider_refused`, ' +
        '`payment_provider_unavailable`, `sumup_unreadable…` (needs_attention), `payment_mismatch: …`.',
    ),
  steps: z.record(z.string(), z.string()).describe('When each state was entered.'),
});

/** What the storefront sees of a checkout; the workflow id stays inside. */
function answer(view: CheckoutView): z.infer<typeof checkoutSchema> {
  return {
    orderId: view.orderId ?? null,
    status: view.state,
    hostedCheckoutUrl: view.hostedCheckoutUrl ?? null,
    totalMinor: view.totalMinor ?? null,
    currency: view.currency ?? null,
    ...(view.problems ? { problems: view.problems } : {}),
    ...(view.reason ? { reason: view.reason } : {}),
    steps: view.steps,
  };
}

const scopeOf = (scope: 'global' | number): CheckoutScope => ({
  pageId: scope === 'global' ? null : scope,
});
/** A scope as the paths name it: `global`, or the page id. */
const scopeLabel = (scope: CheckoutScope): 'global' | number => scope.pageId ?? 'global';
const shopperCheckouts = { access: 'shopper', tag: 'checkout' } as const;

export interface CheckoutSettings {
  /** How long creating SumUp's checkout may retry before the storefront gets a 503. */
  creationTimeoutMs?: number;
  /** How long the shopper has to pay (the workflow's default: 30 minutes). */
  expiresInMs?: number;
  /** How long `POST /v1/checkouts` waits for the engine before answering 503. */
  startTimeoutMs?: number;
  /** How long a refund is retried at SumUp before ops are asked (`refund_due`). */
  refundRetry?: RefundRetry;
}

/** What the storefront is told to wait before trying again while SumUp is unavailable. */
const PROVIDER_RETRY_AFTER_SECONDS = 30;
/** And while the checkout engine is: a worker restarts in seconds. */
const ENGINE_RETRY_AFTER_SECONDS = 5;

/**
 * The engine's answer to a checkout request, within `timeoutMs`. Whatever keeps it from
 * answering (Temporal unreachable, no worker polling, a workflow task failing while the
 * worker crash-loops) is a 503 the storefront can retry, never a 500; a retry attaches to the
 * same checkout, whose claims are released at its deadline as usual if nobody comes back.
 */
async function engineAnswers<T>(
  client: Client,
  timeoutMs: number,
  res: Response,
  ask: () => Promise<T>,
): Promise<T> {
  try {
    return await client.withDeadline(Date.now() + timeoutMs, ask);
  } catch (error) {
    res.locals.engineError = error instanceof Error ? error.message : String(error);
    res.set('retry-after', String(ENGINE_RETRY_AFTER_SECONDS));
    throw new ApiProblem(
      503,
      'checkout_unavailable',
      'The checkout engine cannot take the checkout right now; the cart is unchanged. Try again shortly.',
    );
  }
}

export function checkoutEndpoints(
  db: Database,
  client: Client,
  taskQueue: string,
  onStarted: (scope: CheckoutScopeLabel) => void = () => {},
  settings: CheckoutSettings = {},
): Endpoint[] {
  // The shopper's checkout of a scope: one adopted from their anonymous session while open
  // (its workflow keeps the session's id), else their own.
  const handleOf = async (res: Response, scope: 'global' | number) => {
    const adopted = await adoptedCheckout(db, shopperOf(res), scopeOf(scope));
    return adopted
      ? client.workflow.getHandle(adopted.workflowId, adopted.runId)
      : client.workflow.getHandle(checkoutWorkflowId(shopperOf(res), scopeOf(scope)));
  };

  return [
    // Starts a checkout, or attaches to the shopper's running one for that scope, and
    // answers as soon as the hosted URL exists.
    endpoint(
      {
        ...shopperCheckouts,
        method: 'post',
        path: '/v1/checkouts',
        summary: 'Start a checkout (or answer the running one) with its hosted payment URL',
        body: startBody,
        responses: {
          200: { description: 'The checkout, awaiting payment.', schema: checkoutSchema },
          ...problemResponses(400, 409),
          502: {
            description: 'SumUp refused the checkout; the cart is as it was.',
            schema: problemResponses(400)[400]!.schema,
          },
          503: {
            description:
              '`payment_provider_unavailable`: SumUp did not answer before the creation deadline; ' +
              '`checkout_unavailable`: the checkout engine did not take the checkout in time (Temporal ' +
              'unreachable, no worker, a failing workflow task). The cart is as it was; try again ' +
              'after Retry-After, which attaches to the same checkout.',
            schema: problemResponses(400)[400]!.schema,
          },
        },
      },
      async ({ body }, _req, res) => {
        const shopper = shopperOf(res);
        const scope = { pageId: body.pageId };
        // A ticket with no seat left is refused here, before any workflow: in an on-sale
        // rush most shoppers are, and each costs one query instead of a checkout.
        const soldOut = await ticketsWithoutSeats(db, shopper, scope);
        if (soldOut.length > 0) {
          throw new ApiProblem(409, 'lines_unavailable', 'Some lines cannot be bought.', [], {
            problems: soldOut,
          });
        }
        // The engine has the bound to take the checkout (its worker accepts the update);
        // then the workflow answers once SumUp's checkout exists, or by the creation deadline.
        // A checkout adopted from the shopper's session is the one running for this scope.
        const adopted = await adoptedCheckout(db, shopper, scope);
        const accepted = await engineAnswers(client, settings.startTimeoutMs ?? 10_000, res, () =>
          adopted
            ? client.workflow
                .getHandle(adopted.workflowId, adopted.runId)
                .startUpdate(hostedCheckoutUpdate, { waitForStage: 'ACCEPTED' })
            : client.workflow.startUpdateWithStart(hostedCheckoutUpdate, {
                waitForStage: 'ACCEPTED',
                startWorkflowOperation: new WithStartWorkflowOperation(checkout, {
                  workflowId: checkoutWorkflowId(shopper, scope),
                  taskQueue,
                  // Searchable from the start; the workflow then need not upsert them.
                  typedSearchAttributes: checkoutSearchAttributes({ shopper, scope }),
                  args: [
                    {
                      shopper,
                      scope,
                      ...(settings.creationTimeoutMs
                        ? { creationTimeoutMs: settings.creationTimeoutMs }
                        : {}),
                      ...(settings.refundRetry ? { refundRetry: settings.refundRetry } : {}),
                      ...(settings.expiresInMs ? { expiresInMs: settings.expiresInMs } : {}),
                    },
                  ],
                  workflowIdConflictPolicy: 'USE_EXISTING',
                }),
              }),
        );
        const view = await accepted.result();
        Object.assign(res.locals, { orderId: view.orderId, workflowId: view.workflowId });
        if (view.state === 'empty')
          throw new ApiProblem(409, 'cart_empty', 'There is nothing to check out.');
        if (view.state === 'unavailable' && view.openScope) {
          throw new ApiProblem(
            409,
            'lines_in_checkout',
            "Some lines are in another of the shopper's checkouts, still open: pay or cancel that one first.",
            [],
            { problems: view.problems ?? [], openCheckout: { scope: scopeLabel(view.openScope) } },
          );
        }
        if (view.state === 'unavailable') {
          throw new ApiProblem(409, 'lines_unavailable', 'Some lines cannot be bought.', [], {
            problems: view.problems ?? [],
          });
        }
        if (view.state === 'failed' && view.reason === 'payment_provider_unavailable') {
          res.set('retry-after', String(PROVIDER_RETRY_AFTER_SECONDS));
          throw new ApiProblem(
            503,
            'payment_provider_unavailable',
            'The payment provider is not answering; the cart is unchanged. Try again later.',
          );
        }
        if (view.state === 'failed' && !view.hostedCheckoutUrl) {
          throw new ApiProblem(
            502,
            'payment_provider_refused',
            'The payment provider refused the checkout; the cart is unchanged.',
          );
        }
        res.status(200).json(answer(view));
        onStarted(body.pageId === null ? 'global' : 'page');
      },
    ),
    endpoint(
      {
        ...shopperCheckouts,
        method: 'get',
        path: '/v1/checkouts/:scope',
        summary: "The shopper's checkout for a scope, as the workflow reports it",
        params: scopeParams,
        responses: {
          200: { description: 'The checkout.', schema: checkoutSchema },
          ...problemResponses(400, 404),
        },
      },
      async ({ params }, _req, res) => {
        res.json(
          answer(
            await queryOr404(async () =>
              (await handleOf(res, params.scope)).query(checkoutStatusQuery),
            ),
          ),
        );
      },
    ),
    endpoint(
      {
        ...shopperCheckouts,
        method: 'post',
        path: '/v1/checkouts/:scope/cancel',
        summary: 'Cancel a checkout that is not paid',
        params: scopeParams,
        responses: {
          202: {
            description: 'Cancelling; the claims go back to the cart.',
            schema: checkoutSchema,
          },
          ...problemResponses(400, 404, 409),
        },
      },
      async ({ params }, _req, res) => {
        const handle = await handleOf(res, params.scope);
        const view = await queryOr404(() => handle.query(checkoutStatusQuery));
        Object.assign(res.locals, { orderId: view.orderId, workflowId: view.workflowId });
        if (view.state === 'paid' || view.state === 'refund_due' || view.state === 'refunded') {
          throw new ApiProblem(409, 'checkout_paid', 'A paid checkout cannot be cancelled.');
        }
        if (view.state === 'needs_attention') {
          // Its claims went back at the deadline; whether SumUp took the money is for ops to
          // find out. A cancel would change nothing, so it is not answered as if it did.
          throw new ApiProblem(
            409,
            'checkout_needs_attention',
            'Whether this checkout was paid is not known yet (SumUp would not say); it is with our staff and cannot be cancelled.',
            [],
            view.reason ? { reason: view.reason } : {},
          );
        }
        await handle.signal(cancelCheckoutSignal).catch((error: unknown) => {
          // Ended between the query and the signal: nothing left to cancel.
          if (!(error instanceof WorkflowNotFoundError)) throw error;
        });
        res.status(202).json(answer(view));
      },
    ),
  ];
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
