import { createSecretKey, type KeyObject } from 'node:crypto';
import { z } from 'zod';

// AES-256 key rings from the environment (`PAYLOAD_CODEC_KEYS`, `CREDENTIALS_KEYS`): the same
// format and the same rotation for every secret we encrypt.

/** One AES-256 key, named by the id that everything it encrypts carries. */
export interface RingKey {
  id: string;
  /** A KeyObject prints, inspects and serialises without its bytes. */
  key: KeyObject;
}

/** A ring's keys: the first encrypts; every one of them still decrypts. */
export interface KeyRing {
  active: RingKey;
  all: ReadonlyMap<string, RingKey>;
}

/** Why a key ring variable is refused; it names an entry or a key id, never a key. */
export class KeyRingError extends Error {
  override readonly name: string = 'KeyRingError';
  constructor(
    readonly variable: string,
    readonly reason: string,
  ) {
    super(`${variable}: ${reason}`);
  }
}

const KEY_BYTES = 32;
// Shorter than a 32-byte key in base64 (44 characters), so that a key pasted where its id
// belongs can never be echoed back in an error as if it were an id.
const KEY_ID = /^[A-Za-z0-9._-]{1,32}$/;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/**
 * Reads a key ring: comma-separated `keyId:base64key` pairs of 32-byte keys, the active one
 * first. Unset or blank means none. Errors name the entry and the key id at fault, never a key.
 */
export function parseKeyRing(variable: string, value: string | undefined): KeyRing | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  const refuse = (reason: string) => new KeyRingError(variable, reason);
  const keys = value.split(',').map((entry, index) => parseEntry(entry.trim(), index + 1, refuse));
  const all = new Map<string, RingKey>();
  for (const key of keys) {
    if (all.has(key.id)) throw refuse(`key id "${key.id}" appears twice`);
    all.set(key.id, key);
  }
  return { active: keys[0]!, all };
}

function parseEntry(
  entry: string,
  position: number,
  refuse: (reason: string) => KeyRingError,
): RingKey {
  const separator = entry.indexOf(':');
  if (separator < 0) throw refuse(`entry ${position} is not keyId:base64key`);
  const id = entry.slice(0, separator);
  const encoded = entry.slice(separator + 1);
  if (!KEY_ID.test(id)) {
    throw refuse(`entry ${position} has no valid key id (1 to 32 of A-Z a-z 0-9 . _ -)`);
  }
  const bytes = BASE64.test(encoded) ? Buffer.from(encoded, 'base64') : undefined;
  if (bytes?.length !== KEY_BYTES) {
    throw refuse(`key "${id}" must be ${KEY_BYTES} bytes in base64 (openssl rand -base64 32)`);
  }
  const key = createSecretKey(bytes);
  bytes.fill(0);
  return { id, key };
}

/** The variable in a process's configuration schema: checked at start, kept as text. */
export const keyRingSetting = (variable: string) =>
  z
    .string()
    .optional()
    .superRefine((value, ctx) => {
      try {
        parseKeyRing(variable, value);
      } catch (error) {
        if (!(error instanceof KeyRingError)) throw error;
        ctx.addIssue({ code: 'custom', message: error.reason });
      }
    });
