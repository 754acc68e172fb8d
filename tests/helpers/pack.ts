/**
 * Builds a PackedTrace from op tuples, for tests and generated workloads:
 * `packOps('t', [['a', 1, 100], ['f', 1]])`.
 */
import { OP_ACCESS, OP_ALLOC, OP_FREE, OP_IDLE, OP_LOCK, OP_REALLOC, OP_UNLOCK, OpKind, PackedTrace } from '../../src/trace/types';

export type OpTuple = readonly [op: 'a' | 'f' | 'r' | 'l' | 'u' | 'i' | 'x', id: number, arg?: number];

const CODES: Record<OpTuple[0], OpKind> = { a: OP_ALLOC, f: OP_FREE, r: OP_REALLOC, l: OP_LOCK, u: OP_UNLOCK, i: OP_IDLE, x: OP_ACCESS };

export function packOps(name: string, ops: readonly OpTuple[]): PackedTrace {
  const n = ops.length;
  const kind = new Uint8Array(n);
  const id = new Float64Array(n);
  const arg = new Float64Array(n);
  const line = new Float64Array(n);
  ops.forEach(([op, x, y], i) => {
    kind[i] = CODES[op];
    // Idle ops carry their cycles in arg: ['i', cycles].
    if (op === 'i') arg[i] = x;
    else {
      id[i] = x;
      arg[i] = y ?? 0;
    }
    line[i] = i + 1;
  });
  return { info: { path: `${name}.trace`, name, header: [] }, ops: { n, kind, id, arg, line }, skipped: [] };
}
