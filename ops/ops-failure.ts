/** Why an ops command could not do what it was asked. The CLI exits 1 with it. */
export type OpsFailureCode =
  | 'order_not_found'
  | 'workflow_not_found'
  | 'workflow_closed'
  | 'signal_not_accepted'
  | 'wrong_state'
  | 'temporal_unreachable'
  | 'invalid_configuration';

export class OpsFailure extends Error {
  constructor(
    readonly code: OpsFailureCode,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'OpsFailure';
  }

  toJSON() {
    return { error: this.code, message: this.message, ...this.details };
  }
}
