/**
 * TensorFlow's error taxonomy: one {@link OpError} subclass per canonical status code.
 *
 * Every failure reported by the native engine arrives as a status `{ code, message, node }` and is
 * turned into the matching class here, so callers can `catch (e) { if (e instanceof
 * errors.InvalidArgumentError) … }` exactly as with `tf.errors` in Python.
 *
 * @packageDocumentation
 */

/** Not an error; returned on success. */
export const OK = 0
/** The operation was cancelled (typically by the caller, or because the session was closed). */
export const CANCELLED = 1
/** Unknown error. */
export const UNKNOWN = 2
/** The client specified an invalid argument. */
export const INVALID_ARGUMENT = 3
/** The deadline expired before the operation could complete. */
export const DEADLINE_EXCEEDED = 4
/** Some requested entity (e.g. a file or a node) was not found. */
export const NOT_FOUND = 5
/** An entity that we attempted to create already exists. */
export const ALREADY_EXISTS = 6
/** The caller does not have permission to execute the specified operation. */
export const PERMISSION_DENIED = 7
/** Some resource has been exhausted (e.g. memory). */
export const RESOURCE_EXHAUSTED = 8
/** The system is not in a state required for the operation's execution. */
export const FAILED_PRECONDITION = 9
/** The operation was aborted, typically due to a concurrency issue. */
export const ABORTED = 10
/** The operation was attempted past the valid range. */
export const OUT_OF_RANGE = 11
/** The operation is not implemented or not supported. */
export const UNIMPLEMENTED = 12
/** An internal invariant was broken. */
export const INTERNAL = 13
/** The service is currently unavailable. */
export const UNAVAILABLE = 14
/** Unrecoverable data loss or corruption. */
export const DATA_LOSS = 15
/** The request does not have valid authentication credentials. */
export const UNAUTHENTICATED = 16

/**
 * The base class of every error raised by a failing graph operation or session step.
 *
 * `code` is TensorFlow's numeric status code (see the constants of this module), `node` the name
 * of the node that failed when one is known, and `op` that node's op type (e.g. `"MatMul"`) when
 * the node exists in the graph.
 */
export class OpError extends Error {
  /** TensorFlow's canonical error code ({@link INVALID_ARGUMENT}, …). */
  readonly code: number
  /** Name of the node that failed, or `null` when the error is not tied to a node. */
  readonly node: string | null
  /** Op type of the failing node (e.g. `"MatMul"`), or `null` when unknown. */
  readonly op: string | null

  /**
   * @param message - Human-readable description.
   * @param code - TensorFlow error code.
   * @param node - Name of the failing node, if any.
   * @param op - Op type of the failing node, if known.
   */
  constructor(message: string, code: number, node: string | null = null, op: string | null = null) {
    super(message)
    this.name = new.target.name
    this.code = code
    this.node = node
    this.op = op
  }

  /** TF's name for {@link code}. */
  get errorCode(): number {
    return this.code
  }
}

/** Raised when an operation or step is cancelled, e.g. a run on a closed session (code 1). */
export class CancelledError extends OpError {
  /** @param message - Description. @param node - Failing node. @param op - Its op type. */
  constructor(message: string, node: string | null = null, op: string | null = null) {
    super(message, CANCELLED, node, op)
  }
}

/** Unknown error (code 2). */
export class UnknownError extends OpError {
  /** @param message - Description. @param node - Failing node. @param op - Its op type. */
  constructor(message: string, node: string | null = null, op: string | null = null) {
    super(message, UNKNOWN, node, op)
  }
}

/** An argument (a value, a shape, a dtype, a name…) is invalid (code 3). */
export class InvalidArgumentError extends OpError {
  /** @param message - Description. @param node - Failing node. @param op - Its op type. */
  constructor(message: string, node: string | null = null, op: string | null = null) {
    super(message, INVALID_ARGUMENT, node, op)
  }
}

/** A deadline expired before the operation completed (code 4). */
export class DeadlineExceededError extends OpError {
  /** @param message - Description. @param node - Failing node. @param op - Its op type. */
  constructor(message: string, node: string | null = null, op: string | null = null) {
    super(message, DEADLINE_EXCEEDED, node, op)
  }
}

/** A requested entity (node, tensor, device…) was not found (code 5). */
export class NotFoundError extends OpError {
  /** @param message - Description. @param node - Failing node. @param op - Its op type. */
  constructor(message: string, node: string | null = null, op: string | null = null) {
    super(message, NOT_FOUND, node, op)
  }
}

/** An entity we attempted to create already exists (code 6). */
export class AlreadyExistsError extends OpError {
  /** @param message - Description. @param node - Failing node. @param op - Its op type. */
  constructor(message: string, node: string | null = null, op: string | null = null) {
    super(message, ALREADY_EXISTS, node, op)
  }
}

/** The caller lacks permission for the operation (code 7). */
export class PermissionDeniedError extends OpError {
  /** @param message - Description. @param node - Failing node. @param op - Its op type. */
  constructor(message: string, node: string | null = null, op: string | null = null) {
    super(message, PERMISSION_DENIED, node, op)
  }
}

/** A resource (typically memory) is exhausted (code 8). */
export class ResourceExhaustedError extends OpError {
  /** @param message - Description. @param node - Failing node. @param op - Its op type. */
  constructor(message: string, node: string | null = null, op: string | null = null) {
    super(message, RESOURCE_EXHAUSTED, node, op)
  }
}

/** The system is not in the state the operation requires, e.g. `eval()` with no session (code 9). */
export class FailedPreconditionError extends OpError {
  /** @param message - Description. @param node - Failing node. @param op - Its op type. */
  constructor(message: string, node: string | null = null, op: string | null = null) {
    super(message, FAILED_PRECONDITION, node, op)
  }
}

/** The operation was aborted (code 10). */
export class AbortedError extends OpError {
  /** @param message - Description. @param node - Failing node. @param op - Its op type. */
  constructor(message: string, node: string | null = null, op: string | null = null) {
    super(message, ABORTED, node, op)
  }
}

/** The operation ran past the valid range, e.g. an exhausted input (code 11). */
export class OutOfRangeError extends OpError {
  /** @param message - Description. @param node - Failing node. @param op - Its op type. */
  constructor(message: string, node: string | null = null, op: string | null = null) {
    super(message, OUT_OF_RANGE, node, op)
  }
}

/** The operation is not implemented or not supported (code 12). */
export class UnimplementedError extends OpError {
  /** @param message - Description. @param node - Failing node. @param op - Its op type. */
  constructor(message: string, node: string | null = null, op: string | null = null) {
    super(message, UNIMPLEMENTED, node, op)
  }
}

/** An internal invariant broke; a bug in sessionflow (code 13). */
export class InternalError extends OpError {
  /** @param message - Description. @param node - Failing node. @param op - Its op type. */
  constructor(message: string, node: string | null = null, op: string | null = null) {
    super(message, INTERNAL, node, op)
  }
}

/** The runtime is currently unavailable (code 14). */
export class UnavailableError extends OpError {
  /** @param message - Description. @param node - Failing node. @param op - Its op type. */
  constructor(message: string, node: string | null = null, op: string | null = null) {
    super(message, UNAVAILABLE, node, op)
  }
}

/** Unrecoverable data loss or corruption (code 15). */
export class DataLossError extends OpError {
  /** @param message - Description. @param node - Failing node. @param op - Its op type. */
  constructor(message: string, node: string | null = null, op: string | null = null) {
    super(message, DATA_LOSS, node, op)
  }
}

/** The request lacks valid authentication credentials (code 16). */
export class UnauthenticatedError extends OpError {
  /** @param message - Description. @param node - Failing node. @param op - Its op type. */
  constructor(message: string, node: string | null = null, op: string | null = null) {
    super(message, UNAUTHENTICATED, node, op)
  }
}

/** The constructor of one {@link OpError} subclass. */
export type OpErrorClass = new (message: string, node?: string | null, op?: string | null) => OpError

const BY_CODE: ReadonlyMap<number, OpErrorClass> = new Map<number, OpErrorClass>([
  [CANCELLED, CancelledError],
  [UNKNOWN, UnknownError],
  [INVALID_ARGUMENT, InvalidArgumentError],
  [DEADLINE_EXCEEDED, DeadlineExceededError],
  [NOT_FOUND, NotFoundError],
  [ALREADY_EXISTS, AlreadyExistsError],
  [PERMISSION_DENIED, PermissionDeniedError],
  [RESOURCE_EXHAUSTED, ResourceExhaustedError],
  [FAILED_PRECONDITION, FailedPreconditionError],
  [ABORTED, AbortedError],
  [OUT_OF_RANGE, OutOfRangeError],
  [UNIMPLEMENTED, UnimplementedError],
  [INTERNAL, InternalError],
  [UNAVAILABLE, UnavailableError],
  [DATA_LOSS, DataLossError],
  [UNAUTHENTICATED, UnauthenticatedError],
])

/**
 * The {@link OpError} subclass for a TensorFlow error code (TF's
 * `exception_type_from_error_code`); {@link UnknownError} for a code outside 1…16.
 */
export function exceptionTypeFromErrorCode(code: number): OpErrorClass {
  return BY_CODE.get(code) ?? UnknownError
}
