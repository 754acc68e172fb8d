/**
 * `valgrind --trace-malloc=yes` logs. Valgrind's malloc replacements print, after the
 * `--PID-- ` prefix, a call and its result:
 *   malloc(16) = 0x4A2D040            calloc(4,8) = 0x...      realloc(0x4A2D040,32) = 0x...
 *   free(0x4A2D040)                   memalign(al 64, size 100) = 0x...
 *   _Znwm(24) = 0x...   (operator new; aligned: _ZnwmSt11align_val_t(size 24, al 64) = 0x...)
 *   _ZdlPv(0x...)       (operator delete and its sized/aligned variants)
 * Older versions print realloc(NULL, n) as `realloc(0x0,32)malloc(32) = 0x...` and
 * realloc(p, 0) as `realloc(0x..,0)free(0x..)` with ` = 0` on the next line: when a call is
 * followed by another on the same line, the inner call is the one that did the work. A result
 * on a line of its own (` = 0x...`) completes the call before it.
 *
 * Mapping: every allocating call is `a` (calloc n*m, reallocarray n*m), every delete/free is
 * `f`, realloc(p, n) is `r`, realloc(NULL, n) an `a`, realloc(p, 0) an `f`. Addresses map to
 * compact ids. Skipped and counted: free of an unknown pointer, realloc of an unknown pointer
 * (imported as an allocation), a block at a live address (missed free), posix_memalign (its
 * result address is not logged), a call whose result never appears, lines of a second process
 * (only the first PID is kept), and as benign events free(NULL) and failed allocations.
 * Other valgrind lines (`==PID==` messages, `--PID-- REDIR:` ...) are ignored.
 */
import { SimError } from '../errors';
import { MAX_SIZE } from './import-util';
import { OP_ALLOC, OP_FREE, type Importer, type OpSink } from './types';
import { AddressMap, clip, normHexAddr, parseCount } from './import-util';

const PREFIX = /^--(\d+)--\s?(.*)$/;
const CALL = /([A-Za-z_]\w*)\(([^()]*)\)/y;
const RESULT = /\s*=\s*(\S+)/y;
const ANY_VG = /^(?:==|--)\d+(?:==|--)/;

type Kind = 'alloc' | 'calloc' | 'realloc' | 'reallocarray' | 'memalign' | 'posix_memalign' | 'free' | 'ignore';

function classify(name: string): Kind {
  switch (name) {
    case 'malloc':
    case 'valloc':
    case 'pvalloc':
    case 'builtin_new':
    case '__builtin_new':
    case 'builtin_vec_new':
    case '__builtin_vec_new':
    case '__builtin_new_aligned':
    case '__builtin_vec_new_aligned':
      return 'alloc';
    case 'calloc':
      return 'calloc';
    case 'realloc':
    case 'reallocf':
      return 'realloc';
    case 'reallocarray':
      return 'reallocarray';
    case 'memalign':
    case 'aligned_alloc':
      return 'memalign';
    case 'posix_memalign':
      return 'posix_memalign';
    case 'free':
    case 'cfree':
    case 'builtin_delete':
    case '__builtin_delete':
    case 'builtin_vec_delete':
    case '__builtin_vec_delete':
      return 'free';
  }
  if (name.startsWith('_Znw') || name.startsWith('_Zna')) return 'alloc';
  if (name.startsWith('_Zdl') || name.startsWith('_Zda')) return 'free';
  return 'ignore';
}

interface Call {
  name: string;
  kind: Kind;
  args: string[];
  result: string | null;
}

export const valgrindImporter: Importer = {
  name: 'valgrind',
  description: 'valgrind --trace-malloc=yes log (--PID-- malloc(16) = 0x... lines)',

  detect(head: readonly string[]): boolean {
    // Most lines carry valgrind's ==PID== or --PID-- prefix (the program's own output may be
    // mixed in; memtraces, which add `>>> ` lines, are detected before this importer).
    const vg = head.filter((l) => ANY_VG.test(l)).length;
    return vg > 0 && vg * 2 >= head.length;
  },

  create(file: string, sink: OpSink) {
    const addrs = new AddressMap();
    let pid: string | null = null;
    let pending: Call | null = null;
    let pendingLine = 0;
    let started = false;

    const num = (s: string | undefined, field: string, line: number): number => {
      if (s === undefined) throw new SimError('TRACE_SYNTAX', `missing ${field}`, { file, line });
      const m = /(?:size\s+)?(\S+)$/.exec(s.trim());
      return parseCount(m ? m[1] : s.trim(), field, file, line);
    };
    const sizeArg = (args: string[], line: number): number => {
      const named = args.find((a) => /^\s*size\s/.test(a));
      return num(named ?? args[0], 'size', line);
    };
    const addr = (s: string | undefined, line: number): string => {
      const a = s === undefined ? null : normHexAddr(s.trim());
      if (a === null) throw new SimError('TRACE_SYNTAX', s === undefined ? 'missing address' : `address is not hexadecimal: "${clip(s.trim())}"`, { file, line });
      return a;
    };
    const newBlock = (a: string, line: number): number => {
      const old = addrs.remove(a);
      if (old >= 0) {
        sink.skip('allocation at a live address (missed free): earlier block freed', line);
        sink.op(OP_FREE, old, 0, line);
      }
      return addrs.add(a);
    };
    const free = (a: string, line: number): void => {
      if (a === '0') return sink.skip('free(NULL)', line, true);
      const id = addrs.remove(a);
      if (id < 0) return sink.skip('free of an unknown pointer', line);
      sink.op(OP_FREE, id, 0, line);
    };
    const alloc = (size: number, result: string, line: number): void => {
      const a = addr(result, line);
      if (a === '0') return sink.skip('failed allocation (NULL result)', line, true);
      if (size > MAX_SIZE) throw new SimError('TRACE_SYNTAX', `size over 2^53: ${size}`, { file, line });
      sink.op(OP_ALLOC, newBlock(a, line), size, line);
    };
    const realloc = (ptr: string, size: number, result: string, line: number): void => {
      const r = addr(result, line);
      if (ptr === '0') return alloc(size, result, line);
      const id = addrs.get(ptr);
      if (size === 0) {
        // realloc(p, 0) frees p (it may also hand back a fresh minimal block).
        free(ptr, line);
        if (r !== '0') sink.op(OP_ALLOC, newBlock(r, line), 0, line);
        return;
      }
      if (r === '0') return sink.skip('failed realloc (old block kept)', line, true);
      if (size > MAX_SIZE) throw new SimError('TRACE_SYNTAX', `size over 2^53: ${size}`, { file, line });
      if (id < 0) {
        sink.skip('realloc of an unknown pointer: imported as an allocation', line);
        sink.op(OP_ALLOC, newBlock(r, line), size, line);
        return;
      }
      addrs.realloc(sink, id, ptr, r, size, line);
    };

    /** Applies one call whose result (if it has one) is known. */
    const apply = (c: Call, line: number): void => {
      const a = c.args;
      switch (c.kind) {
        case 'alloc':
          return alloc(sizeArg(a, line), c.result!, line);
        case 'calloc':
          return alloc(num(a[0], 'count', line) * num(a[1], 'size', line), c.result!, line);
        case 'memalign':
          return alloc(num(a[a.length - 1], 'size', line), c.result!, line);
        case 'realloc':
          return realloc(addr(a[0], line), num(a[1], 'size', line), c.result!, line);
        case 'reallocarray':
          return realloc(addr(a[0], line), num(a[1], 'count', line) * num(a[2], 'size', line), c.result!, line);
        case 'free':
          return free(addr(a[0], line), line);
        case 'posix_memalign':
          return sink.skip('posix_memalign (result address not logged)', line);
        case 'ignore':
          return;
      }
    };
    const needsResult = (k: Kind): boolean => k !== 'free' && k !== 'posix_memalign' && k !== 'ignore';
    const dropPending = (): void => {
      if (pending !== null) sink.skip('call without a logged result', pendingLine);
      pending = null;
    };

    return {
      line(text: string, n: number): void {
        const m = PREFIX.exec(text);
        if (m === null) return; // ==PID== messages and anything else
        const body = m[2]!;
        if (pid !== m[1]) {
          if (pid === null) pid = m[1]!;
          else if (/^\s*=|^[A-Za-z_]\w*\(/.test(body)) return sink.skip(`event of another process (pid ${m[1]}) ignored`, n, true);
          else return;
        }
        if (!started) {
          sink.comment(`imported from valgrind --trace-malloc=yes log (pid ${pid})`);
          started = true;
        }
        // A result on its own line completes the pending call.
        const lone = /^\s*=\s*(\S+)\s*$/.exec(body);
        if (lone !== null) {
          if (pending !== null) {
            const c = pending;
            pending = null;
            c.result = lone[1]!;
            apply(c, pendingLine);
          }
          return;
        }
        const calls: Call[] = [];
        let pos = 0;
        for (;;) {
          CALL.lastIndex = pos;
          const cm = CALL.exec(body);
          if (cm === null) break;
          pos = CALL.lastIndex;
          const call: Call = { name: cm[1]!, kind: classify(cm[1]!), args: cm[2]!.split(','), result: null };
          RESULT.lastIndex = pos;
          const rm = RESULT.exec(body);
          if (rm !== null) {
            call.result = rm[1]!;
            pos = RESULT.lastIndex;
          }
          calls.push(call);
        }
        if (calls.length === 0) return; // REDIR:, Reading syms, ... : not a malloc trace line
        // realloc(NULL, n) / realloc(p, 0) in older versions: the inner call did the work.
        const work = calls.length > 1 && (calls[0]!.kind === 'realloc' || calls[0]!.kind === 'reallocarray') ? calls.slice(1) : calls;
        for (const c of work) {
          if (c.kind === 'ignore') continue;
          if (needsResult(c.kind) && c.result === null) {
            dropPending();
            pending = c;
            pendingLine = n;
            continue;
          }
          apply(c, n);
        }
      },
      end(): void {
        dropPending();
      },
    };
  },
};
