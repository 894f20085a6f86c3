/**
 * @module errors — the few error classes every role shares. Each carries a
 * stable `code` and the HTTP `status` a route answers with, so one `onError`
 * per app can turn any of them into a one-line JSON body.
 */

/** Base class: a failure with a machine code and an HTTP status. */
export class DflyError extends Error {
  readonly code: string;
  readonly status: number;
  constructor(message: string, code = "internal", status = 500, options?: ErrorOptions) {
    super(message, options);
    this.name = "DflyError";
    this.code = code;
    this.status = status;
  }
}

/** A request or message that does not match the wire contract (400). */
export class WireError extends DflyError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, "bad_request", 400, options);
    this.name = "WireError";
  }
}

/** A task id the store or tracker does not know (404). */
export class TaskNotFoundError extends DflyError {
  constructor(taskId: string) {
    super(`Cannot find task ${taskId}`, "task_not_found", 404);
    this.name = "TaskNotFoundError";
  }
}

/** A piece whose bytes do not hash to the expected digest. */
export class DigestMismatchError extends DflyError {
  readonly expected: string;
  readonly actual: string;
  constructor(what: string, expected: string, actual: string) {
    super(
      `Cannot verify ${what}: expected sha256 ${expected.slice(0, 16)}…, got ${
        actual.slice(0, 16)
      }…`,
      "digest_mismatch",
      502,
    );
    this.name = "DigestMismatchError";
    this.expected = expected;
    this.actual = actual;
  }
}

/** The source (origin) answered with an error or broke the transfer. */
export class SourceError extends DflyError {
  /** The origin's HTTP status, when it answered at all. */
  readonly sourceStatus?: number;
  constructor(message: string, sourceStatus?: number, options?: ErrorOptions) {
    super(message, "source_error", 502, options);
    this.name = "SourceError";
    this.sourceStatus = sourceStatus;
  }
}

/** Not enough disk space for a task (507). */
export class NoSpaceError extends DflyError {
  constructor(message: string) {
    super(message, "no_space", 507);
    this.name = "NoSpaceError";
  }
}

/** Renders any thrown value as one line without a stack trace. */
export function errorMessage(err: unknown): string {
  // Causes are kept for debugging, not shown: our messages already say what failed.
  return (err instanceof Error ? err.message : String(err)).replaceAll("\n", " ");
}
