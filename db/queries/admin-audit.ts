import type { Database } from '../client.ts';
import { adminAudit } from '../schema/index.ts';

const CREDENTIAL = /key|secret|token|password/i;

/** The request as the audit keeps it: fields that look like credentials are redacted. */
export function redacted(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(redacted);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [k, CREDENTIAL.test(k) ? '[redacted]' : redacted(v)]),
    );
  }
  return value;
}

/** Puts one admin action on record: who, what, the request, and the answer. */
export function recordAdminAction(
  db: Database,
  entry: { actor: string; action: string; request: unknown; status: number; answer: unknown },
) {
  return db.insert(adminAudit).values({
    actor: entry.actor,
    action: entry.action,
    request: redacted(entry.request) as Record<string, unknown>,
    status: entry.status,
    answer: redacted(entry.answer),
  });
}
