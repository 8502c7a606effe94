import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { Payload, PayloadCodec } from '@temporalio/common';
// A default import: the package is CommonJS, and Node's ESM loader sees no named exports.
import proto from '@temporalio/proto';
import { CODEC_KEYS_VARIABLE, type CodecKey, type CodecKeys } from './codec-keys.ts';

export const ENCRYPTED_ENCODING = 'binary/encrypted';
export const KEY_ID_METADATA = 'encryption-key-id';

const CIPHER = 'aes-256-gcm';
const IV_BYTES = 12;
const TAG_BYTES = 16;
const { Payload: PayloadMessage } = proto.temporal.api.common.v1;

/** A payload this codec cannot decrypt: an unknown key, or bytes that fail authentication. */
export class PayloadDecryptionError extends Error {
  override readonly name = 'PayloadDecryptionError';
}

const text = (bytes: Uint8Array | null | undefined) =>
  bytes ? Buffer.from(bytes).toString('utf8') : undefined;

/**
 * Encrypts every payload whole (metadata and data) with AES-256-GCM under the active key, so
 * Temporal stores neither the data nor how it was serialised. A payload says which key
 * encrypted it, and that id is authenticated with it: payloads written before a rotation
 * still decrypt, and relabelling one with another key id fails. Plain payloads (written
 * before the codec was turned on) pass through decoding unchanged.
 */
export class AesGcmPayloadCodec implements PayloadCodec {
  constructor(private readonly keys: CodecKeys) {}

  /** The key that encrypts, and every key that decrypts: ids only, for logs. */
  describe(): { activeKeyId: string; keyIds: string[] } {
    return { activeKeyId: this.keys.active.id, keyIds: [...this.keys.all.keys()] };
  }

  // Synchronous work in a promise, so that a payload that cannot be decrypted rejects.
  encode(payloads: Payload[]): Promise<Payload[]> {
    return new Promise((resolve) => resolve(payloads.map((payload) => this.encrypt(payload))));
  }

  decode(payloads: Payload[]): Promise<Payload[]> {
    return new Promise((resolve) =>
      resolve(
        payloads.map((payload) =>
          text(payload.metadata?.encoding) === ENCRYPTED_ENCODING ? this.decrypt(payload) : payload,
        ),
      ),
    );
  }

  private encrypt(payload: Payload): Payload {
    const { id, key } = this.keys.active;
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv(CIPHER, key, iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(Buffer.from(id, 'utf8'));
    const sealed = Buffer.concat([
      cipher.update(PayloadMessage.encode(payload).finish()),
      cipher.final(),
    ]);
    return {
      metadata: {
        encoding: Buffer.from(ENCRYPTED_ENCODING, 'utf8'),
        [KEY_ID_METADATA]: Buffer.from(id, 'utf8'),
      },
      data: Buffer.concat([iv, sealed, cipher.getAuthTag()]),
    };
  }

  private decrypt(payload: Payload): Payload {
    const id = text(payload.metadata?.[KEY_ID_METADATA]);
    if (id === undefined) {
      throw new PayloadDecryptionError(`an encrypted payload names no ${KEY_ID_METADATA}`);
    }
    const named = this.keyNamed(id);
    const data = Buffer.from(payload.data ?? new Uint8Array());
    if (data.length < IV_BYTES + TAG_BYTES) {
      throw new PayloadDecryptionError(`a payload encrypted with key "${named.id}" is truncated`);
    }
    const decipher = createDecipheriv(CIPHER, named.key, data.subarray(0, IV_BYTES), {
      authTagLength: TAG_BYTES,
    });
    decipher.setAAD(Buffer.from(named.id, 'utf8'));
    decipher.setAuthTag(data.subarray(data.length - TAG_BYTES));
    let plain: Buffer;
    try {
      plain = Buffer.concat([
        decipher.update(data.subarray(IV_BYTES, data.length - TAG_BYTES)),
        decipher.final(),
      ]);
    } catch {
      throw new PayloadDecryptionError(
        `a payload encrypted with key "${named.id}" failed authentication: altered, or not ` +
          'encrypted with this key',
      );
    }
    const { metadata, data: original } = PayloadMessage.decode(plain);
    return { metadata, data: original };
  }

  private keyNamed(id: string): CodecKey {
    const key = this.keys.all.get(id);
    if (key) return key;
    // The id comes from the payload, so it is quoted with JSON's escapes and cut short.
    throw new PayloadDecryptionError(
      `a payload is encrypted with key ${JSON.stringify(id.slice(0, 64))}, which is not in ` +
        `${CODEC_KEYS_VARIABLE}: add that key (after the active one) to decrypt it`,
    );
  }
}
