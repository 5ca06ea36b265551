// Every call answers with an envelope: errors cross the process boundary as data with a code a
// program can branch on and a message a person can act on, never as a stack trace.
// No zod here: the renderer imports this file and must stay small.
export const ERROR_CODES = ['invalid_input', 'unknown_method', 'not_found', 'conflict', 'unauthorized', 'unavailable', 'internal'] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

export interface ErrorBody {
  code: ErrorCode;
  message: string;
  /** For invalid_input: one `<field path>: <what is wrong>` line per problem. */
  issues?: string[];
}

export type Envelope<T> = { ok: true; value: T } | { ok: false; error: ErrorBody };

/** Thrown by handlers in main for expected failures; becomes an error envelope. */
export class ShoalError extends Error {
  constructor(readonly code: ErrorCode, message: string, readonly issues?: string[]) {
    super(message);
    this.name = 'ShoalError';
  }
  toBody(): ErrorBody {
    return this.issues ? { code: this.code, message: this.message, issues: this.issues } : { code: this.code, message: this.message };
  }
}

/** What the renderer throws when an envelope carries an error, so react-query sees a real Error. */
export class RemoteError extends Error {
  constructor(readonly body: ErrorBody) {
    super(body.message);
    this.name = 'RemoteError';
  }
  get code(): ErrorCode {
    return this.body.code;
  }
}
