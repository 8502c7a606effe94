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
  /** `CREDENTIALS_KEYS`: seals subscriber secrets in PostgreSQL. */
  credentialsKeys: string;
  /** The demo subscriber's `whsec_` secret (`ROSE_DEMO_SUBSCRIBER=1`). */
  demoSubscriberSecret: string;
  /** The stack's admin credential (`API_ADMIN_TOKENS`, as `stack:<token>`). */
  adminToken: string;
}

export async function stackSecrets(dataDir: string): Promise<StackSecrets> {
  const path = join(dataDir, 'stack-secrets.json');
  const kept = existsSync(path)
    ? (JSON.parse(await readFile(path, 'utf8')) as Partial<StackSecrets>)
    : {};
  // What a data folder from an older version lacks is made and kept; nothing is replaced.
  const secrets: StackSecrets = {
    serviceToken: `demo-${randomUUID()}`,
    shopperTokenSecret: randomBytes(32).toString('base64url'),
    payloadCodecKeys: `local-1:${randomBytes(32).toString('base64')}`,
    credentialsKeys: `local-1:${randomBytes(32).toString('base64')}`,
    demoSubscriberSecret: `whsec_${randomBytes(24).toString('base64')}`,
    adminToken: `admin-${randomBytes(24).toString('base64url')}`,
    ...kept,
  };
  if (Object.keys(kept).length !== Object.keys(secrets).length) {
    await writeFile(path, JSON.stringify(secrets, null, 2), { mode: 0o600 });
  }
  return secrets;
}
