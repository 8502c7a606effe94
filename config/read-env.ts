import type { z } from 'zod';

/**
 * A process's settings from its environment, or one error naming every variable at fault,
 * never their values: some are secrets.
 */
export function readEnv<T extends z.ZodType>(
  schema: T,
  env: NodeJS.ProcessEnv,
  process: string,
): z.infer<T> {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    throw new Error(`${process} configuration is invalid:\n  ${problems.join('\n  ')}`);
  }
  return parsed.data;
}
