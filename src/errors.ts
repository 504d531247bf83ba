/**
 * Typed errors with the exit code the CLI should use. Library code throws these; only
 * src/cli turns them into output and an exit status.
 */
export const ExitCode = {
  ok: 0,
  internal: 1,
  invalidInput: 2,
  environment: 3,
  gateFailed: 4,
  gateInconclusive: 5,
  interrupted: 130,
} as const;
export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

export class MeshbenchError extends Error {
  constructor(
    message: string,
    readonly exitCode: ExitCodeValue,
    readonly hint?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** A scenario, flag or result folder that is wrong; `problems` lists every one found. */
export class InvalidInputError extends MeshbenchError {
  constructor(
    message: string,
    readonly problems: string[] = [],
    hint?: string,
  ) {
    super(message, ExitCode.invalidInput, hint);
  }
}

/** Something this machine or backend lacks: a proxy binary, a cluster, a permission. */
export class EnvironmentError extends MeshbenchError {
  constructor(message: string, hint?: string, options?: { cause?: unknown }) {
    super(message, ExitCode.environment, hint, options);
  }
}

/** The run was stopped by the user (Ctrl-C); finished trials are kept. */
export class InterruptedError extends MeshbenchError {
  constructor(message = 'interrupted') {
    super(message, ExitCode.interrupted);
  }
}
