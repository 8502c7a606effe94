import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';
import { workflowInterceptorModules, workflowsPath, workflowTracing } from '../worker/worker.ts';

// `npm run build:workflows`: the workflow bundle production workers load through
// WORKFLOW_BUNDLE_PATH, so that they start without bundling. Its workflows record spans when
// built with WORKFLOW_TRACING=on (or OTEL_EXPORTER_OTLP_ENDPOINT set).
export async function buildWorkflowBundle(
  out: string,
  tracing = workflowTracing(),
): Promise<number> {
  const { code } = await bundleWorkflowCode({
    workflowsPath,
    workflowInterceptorModules: workflowInterceptorModules(tracing),
  });
  await mkdir(dirname(out), { recursive: true });
  await writeFile(out, code);
  return code.length;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const out = resolve(process.argv[2] ?? 'dist/workflow-bundle.js');
  const bytes = await buildWorkflowBundle(out);
  console.log(`workflow bundle written to ${out} (${(bytes / 1024).toFixed(0)} KiB)`);
}
