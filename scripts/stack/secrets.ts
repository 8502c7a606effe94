import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** The local stack's own credentials, made once and kept with its data. */
export interface StackSecrets {
  serviceToken: string;
  shopperTokenSecret: string;
  /** `PAYLOAD_CODEC_KEYS`: kept, or histories written before a restart could not be read. */
  payloadCodecKeys: string;
}

export async function stackSecrets(dataDir: string): Promise<StackSecrets> {
  const path = join(dataDir, 'stack-secrets.json');
  if (existsSync(path)) return JSON.parse(await readFile(path, 'utf8')) as StackSecrets;
  const secrets: StackSecrets = {
    serviceToken: `demo-${randomUUID()}`,
    shopperTokenSecret: randomBytes(32).toString('base64url'),
    payloadCodecKeys: `local-1:${randomBytes(32).toString('base64')}`,
  };
  await writeFile(path, JSON.stringify(secrets, null, 2), { mode: 0o600 });
  return secrets;
}
