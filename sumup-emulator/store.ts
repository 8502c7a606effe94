import { randomBytes, randomUUID } from 'node:crypto';

export type CheckoutStatus = 'PENDING' | 'PAID' | 'FAILED' | 'EXPIRED';
export type TransactionStatus = 'SUCCESSFUL' | 'CANCELLED' | 'FAILED' | 'PENDING' | 'REFUNDED';

export interface Account {
  apiKey: string;
  merchantCode: string;
  merchantName: string;
}

export interface Transaction {
  id: string;
  code: string;
  amountMinor: number;
  currency: string;
  status: TransactionStatus;
  timestamp: Date;
  refundedMinor: number;
  /** Each refund SumUp accepted: what `GET /v2.1/…/transactions?id=` lists as REFUND events. */
  refunds: { id: number; amountMinor: number; timestamp: Date }[];
}

export interface Checkout {
  id: string;
  account: Account;
  reference: string;
  amountMinor: number;
  currency: string;
  merchantCode: string;
  description?: string;
  returnUrl?: string;
  redirectUrl?: string;
  customerId?: string;
  validUntil?: Date;
  hosted: boolean;
  status: CheckoutStatus;
  createdAt: Date;
  transactions: Transaction[];
}

/** A hosted session lives 30 minutes when the checkout names no `valid_until`. */
export const HOSTED_SESSION_MS = 30 * 60 * 1000;

/** SumUp's sandbox fails any checkout of these amounts (in minor units). */
export const SANDBOX_FAILING_AMOUNTS = new Set([1100, 4201, 4276, 4291]);

export class StateError extends Error {
  constructor(readonly code: 'CHECKOUT_PROCESSED' | 'CHECKOUT_SESSION_IS_EXPIRED') {
    super(code);
  }
}

export type StatusListener = (checkout: Checkout, previous: CheckoutStatus) => void;

/**
 * SumUp's state as one merchant's API keys see it: checkouts with their state machine
 * (PENDING → PAID | FAILED; EXPIRED on deactivation or after valid_until; PAID and EXPIRED
 * final), their transactions, and refunds against those. Time is the emulator's own clock,
 * which tests can move forward.
 */
export class EmulatorStore {
  /** Transaction event ids are numbers at SumUp, unique across the merchant's events. */
  private lastEventId = 9_000_000_000;
  readonly accounts = new Map<string, Account>();
  private readonly checkouts = new Map<string, Checkout>();
  /** Checkout ids by account and reference: creation checks for a duplicate every time. */
  private readonly byReference = new Map<string, Set<string>>();
  private clockOffsetMs = 0;
  private readonly listeners: StatusListener[] = [];

  constructor(accounts: Account[]) {
    for (const account of accounts) this.accounts.set(account.apiKey, account);
  }

  now(): Date {
    return new Date(Date.now() + this.clockOffsetMs);
  }

  advanceClock(ms: number): void {
    this.clockOffsetMs += ms;
    for (const checkout of this.checkouts.values()) this.expireIfLapsed(checkout);
  }

  onStatusChange(listener: StatusListener): void {
    this.listeners.push(listener);
  }

  reset(): void {
    this.checkouts.clear();
    this.byReference.clear();
    this.clockOffsetMs = 0;
  }

  create(
    account: Account,
    fields: Omit<Checkout, 'id' | 'account' | 'status' | 'createdAt' | 'transactions'>,
  ): Checkout | 'duplicate' {
    if (this.list(account, fields.reference).length > 0) return 'duplicate';
    const checkout: Checkout = {
      ...fields,
      id: randomUUID(),
      account,
      status: 'PENDING',
      createdAt: this.now(),
      transactions: [],
    };
    this.checkouts.set(checkout.id, checkout);
    this.indexReference(checkout);
    return checkout;
  }

  // Checkouts belong to the merchant, not to one of its API keys: a key made later (a
  // rotation) sees them all, as SumUp's does.
  private referenceKey(merchantCode: string, reference: string): string {
    return `${merchantCode}\u0000${reference}`;
  }

  private indexReference(checkout: Checkout): void {
    const key = this.referenceKey(checkout.account.merchantCode, checkout.reference);
    const ids = this.byReference.get(key) ?? new Set<string>();
    this.byReference.set(key, ids.add(checkout.id));
  }

  /** A checkout as its owner sees it; another account's checkout does not exist for them. */
  get(account: Account, id: string): Checkout | undefined {
    const checkout = this.checkouts.get(id);
    if (!checkout || checkout.account.merchantCode !== account.merchantCode) return undefined;
    return this.expireIfLapsed(checkout);
  }

  /** For the hosted page and the control API, which act for the payer, not a merchant. */
  find(id: string): Checkout | undefined {
    const checkout = this.checkouts.get(id);
    return checkout && this.expireIfLapsed(checkout);
  }

  /** Every checkout of every account, lapsed ones expired as SumUp would report them. */
  all(): Checkout[] {
    return [...this.checkouts.values()].map((c) => this.expireIfLapsed(c));
  }

  list(account: Account, reference?: string): Checkout[] {
    const candidates =
      reference === undefined
        ? [...this.checkouts.values()].filter(
            (c) => c.account.merchantCode === account.merchantCode,
          )
        : [...(this.byReference.get(this.referenceKey(account.merchantCode, reference)) ?? [])].map(
            (id) => this.checkouts.get(id)!,
          );
    return candidates.map((c) => this.expireIfLapsed(c));
  }

  update(
    checkout: Checkout,
    changes: Partial<
      Pick<
        Checkout,
        | 'amountMinor'
        | 'currency'
        | 'description'
        | 'reference'
        | 'validUntil'
        | 'returnUrl'
        | 'redirectUrl'
      >
    >,
  ): Checkout {
    if (checkout.status === 'PAID') throw new StateError('CHECKOUT_PROCESSED');
    if (checkout.status === 'EXPIRED') throw new StateError('CHECKOUT_SESSION_IS_EXPIRED');
    if (changes.reference !== undefined && changes.reference !== checkout.reference) {
      this.byReference
        .get(this.referenceKey(checkout.account.merchantCode, checkout.reference))
        ?.delete(checkout.id);
      Object.assign(checkout, changes);
      this.indexReference(checkout);
      return checkout;
    }
    Object.assign(checkout, changes);
    return checkout;
  }

  /** A payment attempt; the sandbox's failing amounts fail, as does an explicit decline. */
  pay(checkout: Checkout, outcome: 'approve' | 'decline' = 'approve'): Checkout {
    if (checkout.status === 'PAID') throw new StateError('CHECKOUT_PROCESSED');
    if (checkout.status === 'EXPIRED') throw new StateError('CHECKOUT_SESSION_IS_EXPIRED');
    const approved = outcome === 'approve' && !SANDBOX_FAILING_AMOUNTS.has(checkout.amountMinor);
    checkout.transactions.push({
      id: randomUUID(),
      code: randomBytes(8)
        .toString('base64url')
        .replace(/[^A-Za-z0-9]/g, 'X')
        .slice(0, 10)
        .toUpperCase(),
      amountMinor: checkout.amountMinor,
      currency: checkout.currency,
      status: approved ? 'SUCCESSFUL' : 'FAILED',
      timestamp: this.now(),
      refundedMinor: 0,
      refunds: [],
    });
    return this.transition(checkout, approved ? 'PAID' : 'FAILED');
  }

  /** Deactivation: PENDING or FAILED become EXPIRED; a paid checkout cannot be deactivated. */
  deactivate(checkout: Checkout): Checkout {
    if (checkout.status === 'PAID') throw new StateError('CHECKOUT_PROCESSED');
    for (const t of checkout.transactions) if (t.status === 'PENDING') t.status = 'CANCELLED';
    return this.transition(checkout, 'EXPIRED');
  }

  transaction(
    account: Account,
    transactionId: string,
  ): { checkout: Checkout; transaction: Transaction } | undefined {
    for (const checkout of this.checkouts.values()) {
      if (checkout.account.merchantCode !== account.merchantCode) continue;
      const transaction = checkout.transactions.find((t) => t.id === transactionId);
      if (transaction) return { checkout, transaction };
    }
    return undefined;
  }

  /** What is left to refund; refunds never add up to more than was paid. */
  refundable(transaction: Transaction): number {
    return transaction.status === 'SUCCESSFUL'
      ? transaction.amountMinor - transaction.refundedMinor
      : 0;
  }

  refund(transaction: Transaction, amountMinor: number): void {
    this.lastEventId += 1;
    transaction.refunds.push({ id: this.lastEventId, amountMinor, timestamp: this.now() });
    transaction.refundedMinor += amountMinor;
    if (transaction.refundedMinor === transaction.amountMinor) transaction.status = 'REFUNDED';
  }

  expiresAt(checkout: Checkout): Date | undefined {
    if (checkout.validUntil) return checkout.validUntil;
    return checkout.hosted ? new Date(checkout.createdAt.getTime() + HOSTED_SESSION_MS) : undefined;
  }

  private expireIfLapsed(checkout: Checkout): Checkout {
    const deadline = this.expiresAt(checkout);
    if (
      (checkout.status === 'PENDING' || checkout.status === 'FAILED') &&
      deadline &&
      deadline <= this.now()
    ) {
      this.transition(checkout, 'EXPIRED');
    }
    return checkout;
  }

  private transition(checkout: Checkout, status: CheckoutStatus): Checkout {
    const previous = checkout.status;
    if (previous === status) return checkout;
    checkout.status = status;
    for (const listener of this.listeners) listener(checkout, previous);
    return checkout;
  }
}
