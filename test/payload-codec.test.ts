import { workflowSinks } from '../worker/worker.ts';
import { execFile } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { promisify } from 'node:util';
import { Client, WithStartWorkflowOperation } from '@temporalio/client';
import { defaultPayloadConverter, type Payload } from '@temporalio/common';
import proto from '@temporalio/proto';
import { Worker } from '@temporalio/worker';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createActivities } from '../activities/index.ts';
import { readApiConfig } from '../api/config.ts';
import { calendarEntries, cartLines, products } from '../db/schema/index.ts';
import { CodecKeysError, parseCodecKeys } from '../temporal/codec-keys.ts';
import { checkoutPayloadCodec, dataConverterWith } from '../temporal/data-converter.ts';
import {
  ENCRYPTED_ENCODING,
  KEY_ID_METADATA,
  PayloadDecryptionError,
} from '../temporal/payload-codec.ts';
import { readWorkerConfig } from '../worker/config.ts';
import { checkout } from '../workflows/checkout.ts';
import {
  checkoutStatusQuery,
  checkoutWorkflowId,
  hostedCheckoutUpdate,
  type CheckoutInput,
  type CheckoutView,
} from '../workflows/checkout-messages.ts';
import { startApi, type TestApi } from './harness/api.ts';
import { createTestContext, NO_PAYMENTS, type TestContext } from './harness/context.ts';
import { seedShop } from './harness/seed.ts';
import { toolPath } from './harness/tools.ts';

const key = () => randomBytes(32).toString('base64');
const codecOf = (keys: string) => checkoutPayloadCodec({ PAYLOAD_CODEC_KEYS: keys })!;
const text = (bytes: Uint8Array | null | undefined) => Buffer.from(bytes ?? []).toString('utf8');
const encodingOf = (payload: Payload) => text(payload.metadata?.encoding);

describe('the payload codec', () => {
  const k1 = key();
  const k2 = key();
  const values: unknown[] = [
    'Hand-thrown mug',
    0,
    -12.5,
    true,
    null,
    undefined,
    { shopper: { userId: 'u-1' }, totalMinor: 2350, title: 'Café — «spécial» 🌹' },
    [1, 'two', { three: [3] }],
    new Uint8Array([0, 1, 2, 255]),
    'x'.repeat(200_000),
  ];

  it('round-trips every kind of payload, and encrypts each one whole', async () => {
    const codec = codecOf(`k1:${k1}`);
    const plain = values.map((value) => defaultPayloadConverter.toPayload(value));
    const encoded = await codec.encode(plain);

    for (const payload of encoded) {
      expect(encodingOf(payload)).toBe(ENCRYPTED_ENCODING);
      expect(text(payload.metadata?.[KEY_ID_METADATA])).toBe('k1');
      expect(Object.keys(payload.metadata ?? {}).sort()).toEqual(
        ['encoding', KEY_ID_METADATA].sort(),
      );
    }
    // The original encoding is encrypted too: json/plain and binary/null look alike.
    expect(Buffer.concat(encoded.map((p) => p.data!)).includes('json/plain')).toBe(false);
    expect(Buffer.from(encoded[6]!.data!).includes('spécial')).toBe(false);
    // A fresh IV every time: the same value never encrypts the same way twice.
    const again = await codec.encode(plain);
    expect(Buffer.from(again[0]!.data!).equals(Buffer.from(encoded[0]!.data!))).toBe(false);

    const decoded = await codec.decode(encoded);
    expect(decoded.map((p) => defaultPayloadConverter.fromPayload(p))).toEqual(values);
    decoded.forEach((payload, i) => {
      expect(Buffer.from(payload.data ?? []).equals(Buffer.from(plain[i]!.data ?? []))).toBe(true);
      expect(encodingOf(payload)).toBe(encodingOf(plain[i]!));
    });
  });

  it('lets plain payloads (written before encryption was on) through decoding', async () => {
    const plain = defaultPayloadConverter.toPayload({ orderId: 7 });
    const [decoded] = await codecOf(`k1:${k1}`).decode([plain]);
    expect(decoded).toBe(plain);
  });

  it('rotates: new payloads use the new key, old ones still decrypt', async () => {
    const before = codecOf(`k1:${k1}`);
    const rotated = codecOf(`k2:${k2},k1:${k1}`);
    const value = defaultPayloadConverter.toPayload({ title: 'Rose' });
    const [old] = await before.encode([value]);
    const [fresh] = await rotated.encode([value]);
    expect(text(old!.metadata![KEY_ID_METADATA])).toBe('k1');
    expect(text(fresh!.metadata![KEY_ID_METADATA])).toBe('k2');
    const decoded = await rotated.decode([old!, fresh!]);
    expect(decoded.map((p) => defaultPayloadConverter.fromPayload(p))).toEqual([
      { title: 'Rose' },
      { title: 'Rose' },
    ]);
    expect(rotated.describe()).toEqual({ activeKeyId: 'k2', keyIds: ['k2', 'k1'] });
  });

  it('names an unknown key id clearly', async () => {
    const [fresh] = await codecOf(`k2:${k2}`).encode([defaultPayloadConverter.toPayload(1)]);
    const decoding = codecOf(`k1:${k1}`).decode([fresh!]);
    await expect(decoding).rejects.toThrow(PayloadDecryptionError);
    await expect(decoding).rejects.toThrow(
      'a payload is encrypted with key "k2", which is not in PAYLOAD_CODEC_KEYS',
    );
  });

  it('refuses a payload altered in any part: data, tag, IV or key id', async () => {
    // Two ids for one key: only the authenticated key id tells them apart.
    const codec = codecOf(`a:${k1},b:${k1}`);
    const [sealed] = await codec.encode([defaultPayloadConverter.toPayload({ totalMinor: 850 })]);
    const flipped = (at: number): Payload => {
      const data = Buffer.from(sealed!.data!);
      data[at]! ^= 1;
      return { metadata: sealed!.metadata!, data };
    };
    const length = sealed!.data!.length;
    const relabelled = {
      ...sealed!,
      metadata: { ...sealed!.metadata, [KEY_ID_METADATA]: Buffer.from('b') },
    };
    for (const altered of [flipped(0), flipped(20), flipped(length - 1), relabelled]) {
      await expect(codec.decode([altered])).rejects.toThrow(/failed authentication/);
    }
    const truncated = { ...sealed!, data: sealed!.data!.subarray(0, 20) };
    await expect(codec.decode([truncated])).rejects.toThrow(/truncated/);
    await expect(codec.decode([sealed!])).resolves.toHaveLength(1);
  });
});

describe('PAYLOAD_CODEC_KEYS', () => {
  it('is optional: unset or blank, payloads stay plain', () => {
    expect(parseCodecKeys(undefined)).toBeUndefined();
    expect(parseCodecKeys('  ')).toBeUndefined();
    expect(checkoutPayloadCodec({})).toBeUndefined();
    expect(dataConverterWith(undefined)).toBeUndefined();
  });

  it('refuses malformed keys without ever printing key material', () => {
    const good = key();
    const short = randomBytes(16).toString('base64');
    const long = randomBytes(33).toString('base64');
    const cases: [string, RegExp][] = [
      [`k1:${short}`, /key "k1" must be 32 bytes in base64/],
      [`k1:${long}`, /key "k1" must be 32 bytes in base64/],
      [`k1:${good.slice(0, -2)}!!`, /key "k1" must be 32 bytes in base64/],
      [`k1:${good},k2:${short}`, /key "k2" must be 32 bytes/],
      [good, /entry 1 is not keyId:base64key/],
      [`${good}:k1`, /entry 1 has no valid key id/],
      [`k1:${good},k1:${key()}`, /key id "k1" appears twice/],
      [`k1:${good},`, /entry 2 is not keyId:base64key/],
    ];
    for (const [value, reason] of cases) {
      let refused: unknown;
      try {
        parseCodecKeys(value);
      } catch (error) {
        refused = error;
      }
      expect(refused, value).toBeInstanceOf(CodecKeysError);
      const message = (refused as Error).message;
      expect(message).toMatch(reason);
      expect(message).toMatch(/^PAYLOAD_CODEC_KEYS: /);
      for (const secret of [good, short, long, good.slice(0, -2)]) {
        expect(message).not.toContain(secret.slice(0, 12));
      }
    }
  });

  it('is checked with the rest of the worker and API configuration', () => {
    const short = randomBytes(16).toString('base64');
    const env = {
      DATABASE_URL: 'postgres://localhost/rose',
      API_SERVICE_TOKENS: 'svc',
      SHOPPER_TOKEN_SECRET: 'x'.repeat(32),
      PAYLOAD_CODEC_KEYS: `k1:${short}`,
    };
    for (const read of [readWorkerConfig, readApiConfig]) {
      expect(() => read(env)).toThrow(/PAYLOAD_CODEC_KEYS: key "k1" must be 32 bytes/);
      expect(() => read(env)).not.toThrow(short.slice(0, 12));
    }
    expect(readApiConfig({ ...env, PAYLOAD_CODEC_KEYS: `k1:${key()}` }).PAYLOAD_CODEC_KEYS).toMatch(
      /^k1:/,
    );
    expect(() =>
      readApiConfig({ ...env, PAYLOAD_CODEC_KEYS: undefined, CODEC_CORS_ORIGINS: '*' }),
    ).toThrow(/CODEC_CORS_ORIGINS/);
    expect(
      readApiConfig({
        ...env,
        PAYLOAD_CODEC_KEYS: undefined,
        CODEC_CORS_ORIGINS: 'http://localhost:8233/, http://127.0.0.1:8233',
      }).CODEC_CORS_ORIGINS,
    ).toEqual(['http://localhost:8233', 'http://127.0.0.1:8233']);
  });
});

describe('a checkout with encrypted payloads', () => {
  const UI_ORIGIN = 'http://localhost:8233';
  const codecToken = `codec-${randomUUID()}`;
  const codec = codecOf(`k2:${key()},k1:${key()}`);
  let ctx: TestContext;
  let api: TestApi;
  let codecClient: Client;
  // A checkout that creates its order, then cannot claim the sold-out ticket: its result
  // holds the total and the ticket line's title, its input and activities' inputs the
  // shopper's id. (The mug's title never enters history: only lines at fault are named.)
  const shopper = { userId: `u-${randomUUID()}` };
  const gigName = `Rose Garden Gala ${randomUUID().slice(0, 8)}`;
  const mugTitle = `Hand-thrown rose mug ${randomUUID().slice(0, 8)}`;
  const mugPriceMinor = 98_765;
  const totalMinor = mugPriceMinor + 1500;
  let input: CheckoutInput;
  let workflowId: string;
  let view: CheckoutView;
  let queried: CheckoutView;
  let result: CheckoutView;

  beforeAll(async () => {
    ctx = await createTestContext('payload-codec');
    const db = ctx.database.db;
    const shop = await seedShop(db, { seats: 0 });
    await db
      .update(products)
      .set({ title: mugTitle, priceMinor: mugPriceMinor })
      .where(eq(products.id, shop.mug.id));
    await db
      .update(calendarEntries)
      .set({ name: gigName })
      .where(eq(calendarEntries.id, shop.gig.id));
    await db
      .insert(cartLines)
      .values({ userId: shopper.userId, productId: shop.mug.id, quantity: 1 });
    await shop.addTickets(shopper.userId, 1);
    input = { shopper, scope: { pageId: shop.page.id } };
    workflowId = checkoutWorkflowId(input.shopper, input.scope);

    const dataConverter = dataConverterWith(codec);
    codecClient = new Client({ connection: ctx.temporal.client.connection, dataConverter });
    const taskQueue = `${ctx.taskQueue}-codec`;
    const worker = await Worker.create({
      connection: ctx.temporal.nativeConnection,
      taskQueue,
      workflowBundle: { codePath: inject('workflowBundlePath') },
      sinks: workflowSinks(),
      activities: createActivities({ db, payments: NO_PAYMENTS }),
      dataConverter,
    });
    [view, queried, result] = await worker.runUntil(async () => {
      const answered = await codecClient.workflow.executeUpdateWithStart(hostedCheckoutUpdate, {
        startWorkflowOperation: new WithStartWorkflowOperation(checkout, {
          workflowId,
          taskQueue,
          args: [input],
          workflowIdConflictPolicy: 'USE_EXISTING',
        }),
      });
      const handle = codecClient.workflow.getHandle<typeof checkout>(workflowId);
      const ended = await handle.result();
      return [answered, await handle.query(checkoutStatusQuery), ended] as const;
    });

    api = await startApi(ctx, {
      codec: { codec, corsOrigins: [UI_ORIGIN], authToken: codecToken },
    });
  });
  afterAll(async () => {
    await api?.close();
    await ctx?.close();
  });

  it('runs, and a client with the codec reads its update, query and result', () => {
    const expected = {
      state: 'unavailable',
      totalMinor,
      problems: [{ kind: 'ticket', title: `${gigName}: Standing`, reason: 'sold_out' }],
    };
    expect(view).toMatchObject(expected);
    expect(queried).toMatchObject(expected);
    expect(result).toMatchObject(expected);
  });

  it('leaves no plaintext in the history a client without the codec sees', async () => {
    const plainHandle = ctx.temporal.client.workflow.getHandle(workflowId);
    const history = await plainHandle.fetchHistory();

    const payloads = payloadsIn(history);
    const byField = new Set(payloads.map((p) => p.field));
    // The history has every kind of payload this checkout makes.
    expect([...byField]).toEqual(
      expect.arrayContaining([
        'workflowExecutionStartedEventAttributes.input',
        // The database steps run as local activities: their results are marker details.
        'markerRecordedEventAttributes.details.result',
        'workflowExecutionUpdateCompletedEventAttributes.outcome.success',
        'workflowExecutionCompletedEventAttributes.result',
      ]),
    );
    // Workflow ids and search attributes (OrderId, ShopperId, PageId, CheckoutStatus) are
    // opaque ids, plain by design: ops search by them, and Temporal must read them to index
    // them. Every other payload is encrypted.
    // So are the SDK's own marker records (a local activity's type and attempt, a patch's
    // id), which its core writes without the codec and which hold no shopper data; the
    // byte search below proves that.
    const encrypted = payloads.filter(
      (p) => !p.field.startsWith('searchAttributes') && !SDK_MARKER_FIELDS.includes(p.field),
    );
    expect(encrypted.filter((p) => p.encoding !== ENCRYPTED_ENCODING).map((p) => p.path)).toEqual(
      [],
    );

    // What Temporal stores: the history's own bytes, the workflow id and search attributes
    // left out.
    const stored = Buffer.from(
      proto.temporal.api.history.v1.History.encode(withoutOpaqueIds(history)).finish(),
    );
    for (const plaintext of [gigName, `"totalMinor":${totalMinor}`, shopper.userId]) {
      expect(stored.includes(plaintext), plaintext).toBe(false);
    }

    // Without the codec, a client cannot read the result at all.
    await expect(plainHandle.result()).rejects.toThrow(/binary\/encrypted/);
  });

  it('decrypts for the Temporal UI through the codec server', async () => {
    const [sealed] = await codec.encode([
      defaultPayloadConverter.toPayload({ title: mugTitle, totalMinor }),
    ]);
    const response = await codecCall('/codec/decode', { payloads: [toJson(sealed!)] });
    expect(response.status).toBe(200);
    expect(response.headers.get('access-control-allow-origin')).toBe(UI_ORIGIN);
    expect(response.headers.get('access-control-allow-credentials')).toBe('true');
    const { payloads } = (await response.json()) as { payloads: PayloadJson[] };
    expect(payloads).toHaveLength(1);
    expect(Buffer.from(payloads[0]!.metadata.encoding!, 'base64').toString()).toBe('json/plain');
    expect(JSON.parse(Buffer.from(payloads[0]!.data!, 'base64').toString())).toEqual({
      title: mugTitle,
      totalMinor,
    });
  });

  it('encrypts through the codec server, with the active key', async () => {
    const plain = defaultPayloadConverter.toPayload({ title: mugTitle });
    const response = await codecCall('/codec/encode', { payloads: [toJson(plain)] });
    expect(response.status).toBe(200);
    const { payloads } = (await response.json()) as { payloads: PayloadJson[] };
    const sealed = fromJson(payloads[0]!);
    expect(encodingOf(sealed)).toBe(ENCRYPTED_ENCODING);
    expect(text(sealed.metadata?.[KEY_ID_METADATA])).toBe('k2');
    const [opened] = await codec.decode([sealed]);
    expect(defaultPayloadConverter.fromPayload(opened!)).toEqual({ title: mugTitle });
  });

  it("answers the UI's preflight with its CORS headers", async () => {
    const response = await fetch(`${api.url}/codec/decode`, {
      method: 'OPTIONS',
      headers: {
        origin: UI_ORIGIN,
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'content-type,x-namespace,authorization',
      },
    });
    expect(response.status).toBe(204);
    expect(Object.fromEntries(response.headers)).toMatchObject({
      'access-control-allow-origin': UI_ORIGIN,
      'access-control-allow-credentials': 'true',
      'access-control-allow-headers': 'content-type, x-namespace, authorization',
      'access-control-allow-methods': expect.stringContaining('POST'),
    });
  });

  it('refuses a wrong or missing token', async () => {
    const [sealed] = await codec.encode([defaultPayloadConverter.toPayload(1)]);
    for (const authorization of [`Bearer ${codecToken}x`, 'Bearer ', undefined]) {
      const response = await codecCall(
        '/codec/decode',
        { payloads: [toJson(sealed!)] },
        {
          authorization,
        },
      );
      expect(response.status).toBe(401);
      expect(response.headers.get('content-type')).toMatch('application/problem+json');
      expect(await response.json()).toMatchObject({ code: 'unauthenticated' });
      // The UI can still read why.
      expect(response.headers.get('access-control-allow-origin')).toBe(UI_ORIGIN);
    }
  });

  it('gives another origin no CORS headers, and refuses its calls', async () => {
    const foreign = 'https://attacker.example';
    const preflight = await fetch(`${api.url}/codec/decode`, {
      method: 'OPTIONS',
      headers: { origin: foreign, 'access-control-request-method': 'POST' },
    });
    expect(preflight.headers.get('access-control-allow-origin')).toBeNull();
    expect(preflight.headers.get('access-control-allow-credentials')).toBeNull();
    const [sealed] = await codec.encode([defaultPayloadConverter.toPayload(1)]);
    const call = await codecCall(
      '/codec/decode',
      { payloads: [toJson(sealed!)] },
      {
        origin: foreign,
      },
    );
    expect(call.status).toBe(403);
    expect(call.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('answers a payload it cannot decrypt, or a malformed body, with a problem', async () => {
    const [sealed] = await codecOf(`k9:${key()}`).encode([defaultPayloadConverter.toPayload(1)]);
    const unknown = await codecCall('/codec/decode', { payloads: [toJson(sealed!)] });
    expect(unknown.status).toBe(400);
    expect(await unknown.json()).toMatchObject({
      code: 'undecodable_payload',
      title: expect.stringContaining('"k9"'),
    });
    const malformed = await codecCall('/codec/decode', { payloads: [{ data: '%%%' }] });
    expect(malformed.status).toBe(400);
    expect(await malformed.json()).toMatchObject({ code: 'invalid_input' });
  });

  it('stays out of the OpenAPI document, and away when no codec is configured', async () => {
    const document = (await (await fetch(`${api.url}/openapi.json`)).json()) as {
      paths: Record<string, unknown>;
    };
    expect(Object.keys(document.paths).filter((path) => path.includes('codec'))).toEqual([]);
    const plainApi = await startApi(ctx);
    try {
      const response = await plainApi.call('/codec/decode', {
        method: 'POST',
        shopper: { userId: 'u-ops' },
        body: JSON.stringify({ payloads: [] }),
      });
      expect(response.status).toBe(404);
    } finally {
      await plainApi.close();
    }
  });

  it("serves Temporal's own remote codec client (the CLI)", async () => {
    const cli = toolPath('temporal-cli');
    const show = (codecArgs: string[]) =>
      promisify(execFile)(
        cli,
        [
          'workflow',
          'show',
          '--address',
          inject('temporalAddress'),
          '--workflow-id',
          workflowId,
          '--output',
          'json',
          ...codecArgs,
        ],
        { maxBuffer: 16 * 1024 * 1024 },
      );
    const decoded = payloadsOfCliHistory(
      await show(['--codec-endpoint', `${api.url}/codec`, '--codec-auth', `Bearer ${codecToken}`]),
    );
    expect(decoded.map((p) => p.encoding)).not.toContain(ENCRYPTED_ENCODING);
    expect(decoded.map((p) => p.data).join('\n')).toContain(`"title":"${gigName}: Standing"`);
    const sealed = payloadsOfCliHistory(await show([]));
    expect(new Set(sealed.map((p) => p.encoding))).toEqual(new Set([ENCRYPTED_ENCODING]));
  });

  type Headers = Record<string, string | undefined>;
  function codecCall(path: string, body: unknown, headers: Headers = {}) {
    const sent: Headers = {
      'content-type': 'application/json',
      'x-namespace': 'default',
      origin: UI_ORIGIN,
      authorization: `Bearer ${codecToken}`,
      ...headers,
    };
    return fetch(`${api.url}${path}`, {
      method: 'POST',
      headers: Object.fromEntries(
        Object.entries(sent).filter((entry): entry is [string, string] => entry[1] !== undefined),
      ),
      body: JSON.stringify(body),
    });
  }
});

interface PayloadJson {
  metadata: Record<string, string>;
  data?: string;
}

const toJson = (payload: Payload): PayloadJson => ({
  metadata: Object.fromEntries(
    Object.entries(payload.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v).toString('base64')]),
  ),
  data: Buffer.from(payload.data ?? []).toString('base64'),
});

const fromJson = (json: PayloadJson): Payload => ({
  metadata: Object.fromEntries(
    Object.entries(json.metadata).map(([k, v]) => [k, Buffer.from(v, 'base64')]),
  ),
  data: Buffer.from(json.data ?? '', 'base64'),
});

/** The payloads outside search attributes in `temporal workflow show --output json`. */
/** Marker details the SDK's core writes itself, not through the codec. */
const SDK_MARKER_FIELDS = [
  'markerRecordedEventAttributes.details.data',
  'markerRecordedEventAttributes.details.patch-data',
];

function payloadsOfCliHistory({ stdout }: { stdout: string }) {
  const found: { encoding: string; data: string }[] = [];
  const walk = (node: unknown, name: string, parent = '') => {
    if (node === null || typeof node !== 'object' || name === 'searchAttributes') return;
    if (parent === 'details' && (name === 'data' || name === 'patch-data')) return;
    const { metadata, data } = node as Partial<PayloadJson>;
    if (typeof metadata?.encoding === 'string') {
      const decoded = (b64: string) => Buffer.from(b64, 'base64').toString('utf8');
      found.push({ encoding: decoded(metadata.encoding), data: decoded(data ?? '') });
      return;
    }
    for (const [key, value] of Object.entries(node)) walk(value, key, name);
  };
  walk(JSON.parse(stdout), '');
  expect(found.length).toBeGreaterThan(0);
  return found;
}

type History = proto.temporal.api.history.v1.IHistory;

interface FoundPayload {
  /** Where in its event: `activityTaskScheduledEventAttributes.input`. */
  field: string;
  /** The same, with the event's id, for messages. */
  path: string;
  encoding: string;
}

/** A Payload message, by its shape: the history's messages are built by reflection, no class. */
const isPayload = (node: object): node is Payload =>
  Object.hasOwn(node, 'metadata') &&
  typeof (node as Payload).metadata === 'object' &&
  Object.values((node as Payload).metadata ?? {}).every((value) => ArrayBuffer.isView(value));

/** Every payload anywhere in a history, wherever Temporal put it. */
function payloadsIn(history: History): FoundPayload[] {
  const found: FoundPayload[] = [];
  const walk = (node: unknown, trail: string[], eventId: string) => {
    if (node === null || typeof node !== 'object' || ArrayBuffer.isView(node)) return;
    if (isPayload(node)) {
      const field = trail.filter((part) => !/^\d+$/.test(part) && part !== 'payloads').join('.');
      // Search attributes sit in maps: name them by the map, not the attribute.
      const normalised = field.replace(/^.*searchAttributes.*$/, 'searchAttributes');
      found.push({
        field: normalised,
        path: `event ${eventId}: ${trail.join('.')}`,
        encoding: encodingOf(node),
      });
      return;
    }
    for (const [name, value] of Object.entries(node)) walk(value, [...trail, name], eventId);
  };
  for (const event of history.events ?? []) {
    for (const [name, value] of Object.entries(event)) {
      if (name.endsWith('Attributes')) walk(value, [name], String(event.eventId));
    }
  }
  return found;
}

/** The history without its workflow id and search attributes, plain by design. */
function withoutOpaqueIds(history: History): History {
  const copy = proto.temporal.api.history.v1.History.decode(
    proto.temporal.api.history.v1.History.encode(history).finish(),
  );
  for (const event of copy.events) {
    if (event.workflowExecutionStartedEventAttributes) {
      event.workflowExecutionStartedEventAttributes.workflowId = '';
      event.workflowExecutionStartedEventAttributes.searchAttributes = null;
    }
    if (event.upsertWorkflowSearchAttributesEventAttributes) {
      event.upsertWorkflowSearchAttributesEventAttributes.searchAttributes = null;
    }
  }
  return copy;
}
