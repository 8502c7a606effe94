import { defineUpdate } from '@temporalio/workflow';

// The vocabulary of an order's life after payment: one `order:<id>` workflow per order takes
// the admin's actions as updates, one at a time (workflows/order-actions.ts).

export const orderWorkflowId = (orderId: number) => `order:${orderId}`;

/** What an admin asks of a paid order. */
export type RefundRequest =
  | {
      kind: 'lines';
      /** Order items, each whole or `quantity` of it (a product line's units). */
      lines: { itemId: number; quantity?: number }[];
      reason: string;
      /** Refund a checked-in ticket too. */
      force?: boolean;
    }
  | { kind: 'amount'; amountMinor: number; reason: string }
  | { kind: 'cancel'; reason: string; force?: boolean }
  /**
   * The organiser declines a provisional booking: its line is refunded (nothing, when it was
   * free), its time freed.
   */
  | { kind: 'decline'; entryId: number; reason: string };

export interface RefundCommand {
  orderId: number;
  request: RefundRequest;
  /** The admin token's name, or `ops`: who the refund says asked. */
  actor: string;
  /** The same request again (a retry) is the same refund. */
  requestId: string;
}

export type RefundAnswer =
  | {
      kind: 'recorded';
      refundId: number;
      state: 'due' | 'issued' | 'failed' | 'handled';
      amountMinor: number;
      currency: string;
    }
  | {
      /**
       * Lines that cost nothing ended with nothing to pay back (a free booking declined, an
       * order whose remaining lines are free cancelled): no refund row, nothing for SumUp.
       */
      kind: 'nothing_owed';
      /** What the lines became. */
      state: 'declined' | 'cancelled';
      amountMinor: 0;
      currency: string;
    }
  | {
      kind: 'refused';
      status: 400 | 404 | 409;
      code: string;
      message: string;
      /** The input at fault, as `body.lines[0].itemId`. */
      field?: string;
      amountLeftMinor?: number;
    };

export const refundOrderUpdate = defineUpdate<RefundAnswer, [RefundCommand]>('refundOrder');
