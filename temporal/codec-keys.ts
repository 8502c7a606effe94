import { createSecretKey, type KeyObject } from 'node:crypto';
import { z } from 'zod';

/** One AES-256 key of the payload codec, named by the id every payload it encrypts carries. */
export interface CodecKey {
  id: string;
  /** A KeyObject prints, inspects and serialises without its bytes. */
  key: KeyObject;
}

/** The codec's keys: the first encrypts; every one of them still decrypts. */
export interface CodecKeys {
  active: CodecKey;
  all: ReadonlyMap<string, CodecKey>;
}

export const CODEC_KEYS_VARIABLE = 'PAYLOAD_CODEC_KEYS';

/** Why `PAYLOAD_CODEC_KEYS` is refused; it names an entry or a key id, never a key. */
export class CodecKeysError extends Error {
  override readonly name = 'CodecKeysError';
  constructor(readonly reason: string) {
    super(`${CODEC_KEYS_VARIABLE}: ${reason}`);
  }
}

const KEY_BYTES = 32;
// Shorter than a 32-byte key in base64 (44 characters), so that a key pasted where its id
// belongs can never be echoed back in an error as if it were an id.
const KEY_ID = /^[A-Za-z0-9._-]{1,32}$/;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/**
 * Reads `PAYLOAD_CODEC_KEYS`: comma-separated `keyId:base64key` pairs of 32-byte keys, the
 * active one first. Unset or blank means no codec. Errors name the entry and the key id at
 * fault, never a key.
 */
export function parseCodecKeys(value: string | undefined): CodecKeys | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  const keys = value.split(',').map((entry, index) => parseEntry(entry.trim(), index + 1));
  const all = new Map<string, CodecKey>();
  for (const key of keys) {
    if (all.has(key.id)) {
      throw new CodecKeysError(`key id "${key.id}" appears twice`);
    }
    all.set(key.id, key);
  }
  return { active: keys[0]!, all };
}

function parseEntry(entry: string, position: number): CodecKey {
  const separator = entry.indexOf(':');
  if (separator < 0) {
    throw new CodecKeysError(`entry ${position} is not keyId:base64key`);
  }
  const id = entry.slice(0, separator);
  const encoded = entry.slice(separator + 1);
  if (!KEY_ID.test(id)) {
    throw new CodecKeysError(
      `entry ${position} has no valid key id (1 to 32 of A-Z a-z 0-9 . _ -)`,
    );
  }
  const bytes = BASE64.test(encoded) ? Buffer.from(encoded, 'base64') : undefined;
  if (bytes?.length !== KEY_BYTES) {
    throw new CodecKeysError(
      `key "${id}" must be ${KEY_BYTES} bytes in base64 (openssl rand -base64 32)`,
    );
  }
  const key = createSecretKey(bytes);
  bytes.fill(0);
  return { id, key };
}

/** The variable in a process's configuration schema: checked at start, kept as text. */
export const codecKeysSetting = z
  .string()
  .optional()
  .superRefine((value, ctx) => {
    try {
      parseCodecKeys(value);
    } catch (error) {
      if (!(error instanceof CodecKeysError)) throw error;
      ctx.addIssue({ code: 'custom', message: error.reason });
    }
  });
