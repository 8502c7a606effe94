import { workflowSinks } from '../worker/worker.ts';
import { readdir, readFile } from 'node:fs/promises';
import proto from '@temporalio/proto';
import { Worker } from '@temporalio/worker';
import { describe, expect, inject, it } from 'vitest';
import { historiesDir } from './harness/histories.ts';
import { MERCHANT } from './sumup/fixture.ts';

describe('recorded checkout histories', () => {
  it('replay against the current workflow code without a determinism error', async () => {
    const files = (await readdir(historiesDir)).filter((f) => f.endsWith('.pb')).sort();
    const histories = await Promise.all(
      files.map(async (file) => ({
        workflowId: file,
        history: proto.temporal.api.history.v1.History.decode(
          await readFile(`${historiesDir}${file}`),
        ),
      })),
    );
    const outcomes: [string, string | undefined][] = [];
    for await (const result of Worker.runReplayHistories(
      { workflowBundle: { codePath: inject('workflowBundlePath') }, sinks: workflowSinks() },
      histories,
    )) {
      outcomes.push([result.workflowId, result.error?.message]);
    }
    expect(outcomes).toEqual(files.map((file) => [file, undefined]));
    // Every generation (workflows/generations.ts): database steps as activities, then SumUp
    // calls as activities, then both local, then SumUp's edge answers ending in states ops
    // act on, then today's (no prefix), which opens the order and confirms it in one step each.
    const older = ['remote-db-steps.', 'remote-sumup-steps.', 'local-steps.', 'edge-paths.'];
    const today = (f: string) => !older.some((generation) => f.startsWith(generation));
    // The checkout and the reconciliation, in their main endings, are all covered.
    for (const ending of [
      'checkout.paid',
      'checkout.failed',
      'checkout.cancelled',
      'checkout.expired',
      'checkout.refunded',
      'reconcileLatePayment.paid',
    ]) {
      const endingFiles = files.filter((f) => f.includes(`.${ending}.`));
      for (const generation of older) {
        expect(
          endingFiles.some((f) => f.startsWith(generation)),
          generation,
        ).toBe(true);
      }
      expect(endingFiles.some(today), ending).toBe(true);
    }
    // And the edge endings, in generation 4 and today's.
    for (const ending of ['checkout.needs_attention', 'checkout.payment_mismatch']) {
      const endingFiles = files.filter((f) => f.includes(`.${ending}.`));
      expect(endingFiles.some(today), ending).toBe(true);
      expect(
        endingFiles.some((f) => f.startsWith('edge-paths.')),
        ending,
      ).toBe(true);
    }
    // Today's checkouts carry generation 5's marker and open their order in one step.
    for (const file of files.filter((f) => today(f) && f.includes('.checkout.paid.'))) {
      const bytes = await readFile(`${historiesDir}${file}`);
      expect(bytes.includes('one-step-open-and-confirm'), file).toBe(true);
      expect(bytes.includes('openOrder'), file).toBe(true);
    }
    // A checkout that reached needs_attention before it told other services (no
    // `needs-attention-event` marker) replays without the event.
    expect(files).toContain('edge-paths.checkout-edges.checkout.needs_attention.1.pb');
    // A paid booking's checkout starts the order's workflow, which times the organiser's
    // answer; and that workflow, from the timer to the policy's answer.
    const marked = await Promise.all(
      files.map(async (f) =>
        (await readFile(`${historiesDir}${f}`)).includes('provisional-booking-timer') ? f : [],
      ),
    );
    expect(marked.flat().filter((f) => f.includes('.checkout.paid.'))).not.toEqual([]);
    expect(files.filter((f) => f.includes('.orderActions.'))).not.toEqual([]);
  });

  it('hold no SumUp credential anywhere', async () => {
    const files = (await readdir(historiesDir)).filter((f) => f.endsWith('.pb'));
    expect(files.length).toBeGreaterThan(0);
    for (const file of files) {
      const bytes = (await readFile(`${historiesDir}${file}`)).toString('latin1');
      for (const secret of [MERCHANT.apiKey, MERCHANT.merchantCode, 'sup_sk_']) {
        expect(bytes.includes(secret), `${file} contains ${secret}`).toBe(false);
      }
    }
  });
});
