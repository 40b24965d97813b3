/**
 * An error the user can fix: bad flag, missing file, malformed config. The CLI prints its message as one
 * sentence (no stack trace) and exits with `exitCode`. Anything else that escapes is a bug and keeps its stack.
 */
export class UserError extends Error {
  readonly exitCode: number;
  constructor(message: string, exitCode = 2) {
    super(message);
    this.name = 'UserError';
    this.exitCode = exitCode;
  }
}

export function isUserError(err: unknown): err is UserError {
  return err instanceof UserError;
}
