import { z } from 'zod';
import { readEnv } from '../config/read-env.ts';

const schema = z.object({
  TEMPORAL_ADDRESS: z.string().min(1).default('127.0.0.1:7233'),
  TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
});

export type OpsConfig = z.infer<typeof schema>;

export const readOpsConfig = (env: NodeJS.ProcessEnv = process.env): OpsConfig =>
  readEnv(schema, env, 'ops');
