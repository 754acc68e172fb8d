/**
 * User-facing failures. A SimError is bad input or an impossible request: the CLI prints it as
 * one line `rmalloc-sim: <where>: <what> (<code>)` and exits 2. Anything else is a bug: a stack
 * trace and exit 1.
 */
export type SimErrorCode =
  | 'USAGE'
  | 'DEVICE_UNKNOWN'
  | 'DEVICE_INVALID'
  | 'ALLOCATOR_UNKNOWN'
  | 'ALLOCATOR_PARAM'
  | 'ALLOCATOR_BUILD'
  | 'HEAP_TOO_SMALL'
  | 'HEAP_TOO_LARGE'
  | 'TRACE_NOT_FOUND'
  | 'TRACE_SYNTAX'
  | 'TRACE_SEMANTIC'
  | 'TRACE_FORMAT'
  | 'RECORD'
  | 'IO';

export class SimError extends Error {
  readonly code: SimErrorCode;
  /** File the error is about (a trace, a device profile), if any. */
  readonly file: string | undefined;
  /** 1-based line in `file`, if any. */
  readonly line: number | undefined;
  /** Exit code the CLI uses: 2 for bad input (default), 1 for a problem the user asked about. */
  readonly exitCode: number;

  constructor(code: SimErrorCode, message: string, where: { file?: string; line?: number; exitCode?: number } = {}) {
    super(message);
    this.name = 'SimError';
    this.code = code;
    this.file = where.file;
    this.line = where.line;
    this.exitCode = where.exitCode ?? 2;
  }

  /** `file:line: message (CODE)`, the one line the CLI prints. */
  oneLine(): string {
    let where = '';
    if (this.file !== undefined) where = this.line !== undefined ? `${this.file}:${this.line}: ` : `${this.file}: `;
    return `${where}${this.message} (${this.code})`;
  }
}
