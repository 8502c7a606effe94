import { inject } from 'vitest';
import { required, type TestToolName } from '../../scripts/provision.ts';

/**
 * The path of a tool the run's global setup provisioned. Without one, it throws the one line
 * that says how to install it, so a file that needs it fails saying so instead of skipping.
 */
export const toolPath = (name: TestToolName): string => required(name, inject('tools')[name]);
