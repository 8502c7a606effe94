import { z } from 'zod';

const schema = z.object({
  TEMPORAL_ADDRESS: z.string().min(1).default('127.0.0.1:7233'),
  TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
});

export type OpsConfig = z.infer<typeof schema>;

export function readOpsConfig(env: NodeJS.ProcessEnv = process.env): OpsConfig {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    throw new Error(`ops configuration is invalid:\n  ${problems.join('\n  ')}`);
  }
  return parsed.data;
}
