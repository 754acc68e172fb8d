/**
 * The trace layer's public entry (design §6): streaming reader, loader, writer, importers and
 * statistics. Other boxes import from here only.
 *
 * - openTrace(path, { strict?, format? }): a TraceSource whose batches() re-reads the file
 *   (gzip detected by magic bytes) in reused OpBatches of up to 64k ops, constant memory.
 * - loadTrace(path, opts): the whole validated op stream in typed arrays (PackedTrace), read
 *   twice (count, then fill) so nothing is held beside its final columns (pack.ts: 13 B/op,
 *   in shared memory).
 * - traceFromText(text, name?, opts?): the same, synchronously, from a string (tests).
 * - findTraceFiles(paths): directories expand to their *.trace and *.trace.gz files.
 * - writeTrace(path, header, ops) / TraceWriter: native output, gzip when the path ends .gz.
 * - traceStats(source): the `stats` JSON of design §9.
 * - IMPORTERS / getImporter / detectImporter: the import formats.
 * - tracePointerBytes / warnPointerSizes: the header's `pointer-bytes:` against the device's.
 */
export * from './types';
// The op kinds again as plain constants of this module: CommonJS compiles a re-export (`export *`
// above) to a getter, and the engine reads these in its per-op switch (a getter call per read
// there cost 13 % of a placement replay). A local export takes precedence over `export *`.
import { OP_ALLOC as K_ALLOC, OP_FREE as K_FREE, OP_REALLOC as K_REALLOC, OP_LOCK as K_LOCK, OP_UNLOCK as K_UNLOCK, OP_IDLE as K_IDLE, OP_ACCESS as K_ACCESS } from './types';
export const OP_ALLOC = K_ALLOC;
export const OP_FREE = K_FREE;
export const OP_REALLOC = K_REALLOC;
export const OP_LOCK = K_LOCK;
export const OP_UNLOCK = K_UNLOCK;
export const OP_IDLE = K_IDLE;
export const OP_ACCESS = K_ACCESS;
export { openTrace, loadTrace, traceFromText, findTraceFiles, traceName, OpCollector, BATCH_OPS, newBatch, pushOp } from './reader';
export { OpPacker, narrowOps, newOps, newColumn, newKinds, fitsU32, widthsOf, copyOps, isShared, packedBytesAllocated } from './pack';
export type { ColumnWidths } from './pack';
export type { OpenOptions } from './reader';
export { TraceWriter, writeTrace } from './writer';
export { formatOp, NATIVE_LETTERS, ACCESS_LETTERS } from './native';
export { IMPORTERS, getImporter, detectImporter } from './importers';
export { traceStats, StatsAccumulator, log2Bucket } from './stats';
export type { TraceStats, HistogramBucket } from './stats';
export { IdPool, AddressMap } from './import-util';
export { mixTraces, loadMix } from './mix';
export type { MixInfo, MixPart, MixOptions } from './mix';
export { tracePointerBytes, pointerSizeWarning, warnPointerSizes } from './pointer';
export { spoolInputs, spoolInput } from './spool';
export { record } from './record';
export type { RecordResult, StdioChoice } from './record';
