import type { DataConverter } from '@temporalio/common';
import { CODEC_KEYS_VARIABLE, parseCodecKeys } from './codec-keys.ts';
import { AesGcmPayloadCodec } from './payload-codec.ts';

/**
 * The payload codec of rose-checkout's clients and workers, from `PAYLOAD_CODEC_KEYS`;
 * undefined when it is unset, and payloads stay plain. Throws when it is malformed.
 */
export function checkoutPayloadCodec(
  env: NodeJS.ProcessEnv = process.env,
): AesGcmPayloadCodec | undefined {
  const keys = parseCodecKeys(env[CODEC_KEYS_VARIABLE]);
  return keys && new AesGcmPayloadCodec(keys);
}

/** The data converter that encodes with `codec`; Temporal's default without one. */
export function dataConverterWith(
  codec: AesGcmPayloadCodec | undefined,
): DataConverter | undefined {
  return codec && { payloadCodecs: [codec] };
}

/**
 * The data converter every Temporal client and worker of rose-checkout uses. Workers and
 * clients must agree: a client without the codec cannot read what a worker with it wrote.
 */
export function checkoutDataConverter(
  env: NodeJS.ProcessEnv = process.env,
): DataConverter | undefined {
  return dataConverterWith(checkoutPayloadCodec(env));
}
