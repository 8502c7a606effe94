import { createHash, timingSafeEqual } from 'node:crypto';
import type { Payload, PayloadCodec } from '@temporalio/common';
import express, { type NextFunction, type Request, type Response } from 'express';
import { z } from 'zod';
import { ApiProblem, parse } from '../api/problem.ts';
import { PayloadDecryptionError } from './payload-codec.ts';

export interface CodecServerSettings {
  codec: PayloadCodec;
  /** Origins of the Temporal UI, whose pages call the codec server from ops' browsers. */
  corsOrigins: string[];
  /** When set, every call wants `Authorization: Bearer <token>`. */
  authToken?: string | undefined;
}

// Protobuf's JSON form, which accepts standard or URL-safe base64, padded or not, and
// leaves out empty fields: Temporal's Go client sends no payloads as `{}`.
const base64 = z.string().regex(/^[A-Za-z0-9+/_-]*={0,2}$/, 'base64');
const payloadsSchema = z.object({
  payloads: z
    .array(
      z.object({
        metadata: z.record(z.string(), base64).nullish(),
        data: base64.nullish(),
      }),
    )
    .default([]),
});
type PayloadJson = z.infer<typeof payloadsSchema>['payloads'][number];

const fromJson = ({ metadata, data }: PayloadJson): Payload => ({
  metadata: Object.fromEntries(
    Object.entries(metadata ?? {}).map(([key, value]) => [key, Buffer.from(value, 'base64')]),
  ),
  data: Buffer.from(data ?? '', 'base64'),
});

const toJson = ({ metadata, data }: Payload) => ({
  metadata: Object.fromEntries(
    Object.entries(metadata ?? {}).map(([key, value]) => [
      key,
      Buffer.from(value).toString('base64'),
    ]),
  ),
  data: Buffer.from(data ?? new Uint8Array()).toString('base64'),
});

const ALLOWED_HEADERS = 'content-type, x-namespace, authorization';

/**
 * Temporal's remote codec protocol, so that the Temporal UI (and `temporal --codec-endpoint`)
 * show ops decrypted payloads: `POST /codec/decode` and `POST /codec/encode` take and answer
 * `{ payloads }` in protobuf's JSON form. Temporal's protocol, not ours: it stays out of the
 * OpenAPI document.
 */
export function codecServer(settings: CodecServerSettings): express.Router {
  const router = express.Router();
  router.use('/codec', allowTemporalUi(settings.corsOrigins));
  router.use('/codec', requireCodecToken(settings.authToken));
  for (const operation of ['decode', 'encode'] as const) {
    router.post(
      `/codec/${operation}`,
      (req, _res, next) =>
        next(
          req.is('application/json')
            ? undefined
            : new ApiProblem(415, 'unsupported_media_type', 'Send application/json.'),
        ),
      express.json({ limit: '2mb' }),
      async (req, res) => {
        const { payloads } = parse(payloadsSchema, req.body ?? {}, 'body');
        try {
          const answered = await settings.codec[operation](payloads.map(fromJson));
          res.json({ payloads: answered.map(toJson) });
        } catch (error) {
          if (!(error instanceof PayloadDecryptionError)) throw error;
          throw new ApiProblem(400, 'undecodable_payload', error.message);
        }
      },
    );
  }
  return router;
}

/**
 * CORS for the Temporal UI's origins, credentials included; a browser preflight is answered
 * here. A call from any other page is refused: browsers would hide the answer, but the
 * request would still be made.
 */
function allowTemporalUi(origins: string[]) {
  return (req: Request, res: Response, next: NextFunction) => {
    const origin = req.get('origin');
    res.vary('origin');
    const allowed = origin !== undefined && origins.includes(origin);
    if (allowed) {
      res.set({
        'access-control-allow-origin': origin,
        'access-control-allow-credentials': 'true',
      });
    }
    if (req.method === 'OPTIONS') {
      if (allowed) {
        res.set({
          'access-control-allow-methods': 'POST, OPTIONS',
          'access-control-allow-headers': ALLOWED_HEADERS,
          'access-control-max-age': '600',
        });
      }
      return res.status(204).end();
    }
    if (origin !== undefined && !allowed) {
      return next(new ApiProblem(403, 'origin_not_allowed', 'This origin may not call the codec.'));
    }
    next();
  };
}

const sameToken = (expected: string, given: string) =>
  timingSafeEqual(
    createHash('sha256').update(expected).digest(),
    createHash('sha256').update(given).digest(),
  );

function requireCodecToken(token: string | undefined) {
  return (req: Request, _res: Response, next: NextFunction) => {
    if (token === undefined) return next();
    const bearer = /^Bearer (.+)$/.exec(req.get('authorization') ?? '')?.[1];
    if (bearer !== undefined && sameToken(token, bearer)) return next();
    next(
      new ApiProblem(401, 'unauthenticated', 'The codec wants its bearer token.', [
        { field: 'header.authorization', message: 'missing or not recognised' },
      ]),
    );
  };
}
