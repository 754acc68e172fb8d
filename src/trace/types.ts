/**
 * Trace operations as the reader hands them to the replay engine: batches of parallel typed
 * arrays, so a reader allocates nothing per op and the engine's hot loop stays monomorphic.
 */

export const OP_ALLOC = 0; // a <id> <size>
export const OP_FREE = 1; // f <id>
export const OP_REALLOC = 2; // r <id> <size>
export const OP_LOCK = 3; // l <id>
export const OP_UNLOCK = 4; // u <id>
export const OP_IDLE = 5; // i <cycles>   (id is 0, arg is the idle cycles)
export const OP_ACCESS = 6; // from thesis memtraces: an access to id; arg 0 load, 1 store, 2 modify

export type OpKind = 0 | 1 | 2 | 3 | 4 | 5 | 6;
export const OP_NAMES = ['alloc', 'free', 'realloc', 'lock', 'unlock', 'idle', 'access'] as const;

/** A run of ops. Only indices [0, n) are valid; arrays may be longer and are reused. */
export interface OpBatch {
  n: number;
  kind: Uint8Array;
  id: Float64Array;
  /** size for alloc/realloc, cycles for idle, access kind for access; 0 otherwise. */
  arg: Float64Array;
  /** 1-based source line of each op, for error messages. */
  line: Float64Array;
}

/** Why an input event was skipped (counted, and reported with its first line). */
export interface SkipCount {
  reason: string;
  count: number;
  firstLine: number;
  /** True for legal events without a native op (free(NULL), a failed malloc): never errors. */
  benign?: boolean;
}

export interface TraceInfo {
  /** Path as given. */
  path: string;
  /** Display name: the file name without .trace/.gz/.rep. */
  name: string;
  /** Leading `#` comment lines, without the '#'. */
  header: string[];
}

/** A streaming source: iterating reads the file again from the start (constant memory). */
export interface TraceSource {
  info: TraceInfo;
  batches(): AsyncIterable<OpBatch>;
  /** Skipped events of the last complete iteration. */
  skipped(): SkipCount[];
}

/**
 * A column of a packed trace: a Uint32Array when every value is an integer in [0, 2^32) (ids,
 * sizes and line numbers of every real trace), else a Float64Array. Reading `col[i]` gives the
 * same number either way.
 */
export type NumColumn = Float64Array | Uint32Array;

/**
 * The ops of a packed trace: an OpBatch whose number columns may be narrow (NumColumn). The
 * reader packs to 13 bytes per op (1 + 3 × 4) when the values fit; code that builds a trace may
 * hand plain Float64 OpBatches.
 */
export interface PackedOps {
  n: number;
  kind: Uint8Array;
  id: NumColumn;
  arg: NumColumn;
  line: NumColumn;
}

/** A whole trace in memory (for the many replays of a min-heap search or a comparison). */
export interface PackedTrace {
  info: TraceInfo;
  ops: PackedOps;
  skipped: SkipCount[];
}

export interface ReadOptions {
  /** Make recoverable problems (alloc of a live id, free of an unknown id, ...) errors. */
  strict?: boolean;
}

/** Where a reader or importer sends ops (native semantics; ids already mapped). */
export interface OpSink {
  op(kind: OpKind, id: number, arg: number, line: number): void;
  /**
   * A recoverable problem: the event is dropped and counted under `reason`. With
   * `ReadOptions.strict` it becomes SimError('TRACE_SEMANTIC') unless `benign` is true
   * (legal events that have no native op, such as free(NULL) or a failed malloc).
   */
  skip(reason: string, line: number, benign?: boolean): void;
  /** A header comment to keep (without '#'). */
  comment(text: string): void;
}

/**
 * An import format (`trace convert --from <name>`). `detect` sees the first non-empty lines of
 * a file; `create` returns a line-by-line converter for one file that writes native ops to the
 * sink (and throws SimError('TRACE_SYNTAX', ..., { file, line }) on malformed lines).
 */
export interface Importer {
  name: string;
  description: string;
  detect(head: readonly string[]): boolean;
  create(file: string, sink: OpSink): { line(text: string, lineNo: number): void; end(): void };
}
