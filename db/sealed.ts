import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { keyRingSetting, parseKeyRing, type KeyRing } from '../config/key-ring.ts';
import { Secret } from './secret.ts';

// Credentials we must send again (a subscriber's signing secret) are kept sealed:
// AES-256-GCM under a key of `CREDENTIALS_KEYS`, with the key's id in the text, so that a
// database dump holds no secret and keys rotate like `PAYLOAD_CODEC_KEYS` (the new key first,
// the old ones after it until nothing sealed with them is left).

export const CREDENTIALS_KEYS_VARIABLE = 'CREDENTIALS_KEYS';
export const credentialsKeysSetting = keyRingSetting(CREDENTIALS_KEYS_VARIABLE);
export const parseCredentialsKeys = (value: string | undefined) =>
  parseKeyRing(CREDENTIALS_KEYS_VARIABLE, value);

const FORMAT = 'sealed1';

/** Why a sealed value cannot be opened; names the key id, never a secret. */
export class SealedError extends Error {
  override readonly name = 'SealedError';
}

/**
 * Seals `value` for the column `purpose` names: the purpose is authenticated too, so a sealed
 * value copied into another column does not open there.
 */
export function seal(ring: KeyRing, purpose: string, value: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', ring.active.key, iv).setAAD(Buffer.from(purpose));
  const body = Buffer.concat([cipher.update(value, 'utf8'), cipher.final(), cipher.getAuthTag()]);
  return [FORMAT, ring.active.id, iv.toString('base64'), body.toString('base64')].join(':');
}

export function unseal(ring: KeyRing, purpose: string, sealed: string): Secret {
  const [format, keyId, iv, body] = sealed.split(':');
  if (format !== FORMAT || !keyId || !iv || !body) throw new SealedError('not a sealed value');
  const key = ring.all.get(keyId);
  if (!key)
    throw new SealedError(`sealed with key "${keyId}", which ${CREDENTIALS_KEYS_VARIABLE} lacks`);
  const bytes = Buffer.from(body, 'base64');
  try {
    const decipher = createDecipheriv('aes-256-gcm', key.key, Buffer.from(iv, 'base64'))
      .setAAD(Buffer.from(purpose))
      .setAuthTag(bytes.subarray(bytes.length - 16));
    return new Secret(
      Buffer.concat([
        decipher.update(bytes.subarray(0, bytes.length - 16)),
        decipher.final(),
      ]).toString('utf8'),
    );
  } catch {
    throw new SealedError(
      `a value sealed with key "${keyId}" does not open: altered, or another column's`,
    );
  }
}
