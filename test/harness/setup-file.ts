import { DefaultLogger, Runtime } from '@temporalio/worker';

// Workers in tests log warnings and errors only; the default INFO stream buries failures.
try {
  Runtime.install({ logger: new DefaultLogger('WARN') });
} catch {
  // Already installed in this process by an earlier test file.
}
