// Names that the workflows, the worker, the API and ops tooling all use.

export const DEFAULT_TASK_QUEUE = 'rose-checkout';
