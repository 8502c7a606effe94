import {
  KeyRingError,
  keyRingSetting,
  parseKeyRing,
  type KeyRing,
  type RingKey,
} from '../config/key-ring.ts';

/** One AES-256 key of the payload codec, named by the id every payload it encrypts carries. */
export type CodecKey = RingKey;

/** The codec's keys: the first encrypts; every one of them still decrypts. */
export type CodecKeys = KeyRing;

export const CODEC_KEYS_VARIABLE = 'PAYLOAD_CODEC_KEYS';

/** Why `PAYLOAD_CODEC_KEYS` is refused; it names an entry or a key id, never a key. */
export const CodecKeysError = KeyRingError;

/**
 * Reads `PAYLOAD_CODEC_KEYS`: comma-separated `keyId:base64key` pairs of 32-byte keys, the
 * active one first. Unset or blank means no codec.
 */
export const parseCodecKeys = (value: string | undefined): CodecKeys | undefined =>
  parseKeyRing(CODEC_KEYS_VARIABLE, value);

/** The variable in a process's configuration schema: checked at start, kept as text. */
export const codecKeysSetting = keyRingSetting(CODEC_KEYS_VARIABLE);
