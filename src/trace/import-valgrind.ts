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
 * Other valgrind lines (`==PID==` messages, `--PID-- REDIR:` ...) are ignored, and so is the
 * program's own output once valgrind's banner was seen; a file that does not open with a
 * valgrind line is another format (a syntax error naming its first line), and a log without a
 * single heap call is no --trace-malloc=yes log (an error, never an empty trace).
 */
import { SimError } from '../errors';
import type { Importer, OpSink } from './types';
import { AddressCalls, clip, parseCount } from './import-util';

const PREFIX = /^--(\d+)--\s?(.*)$/;
const CALL = /([A-Za-z_]\w*)\(([^()]*)\)/y;
const RESULT = /\s*=\s*(\S+)/y;
/** A line valgrind itself wrote (`==PID==` message or `--PID--` trace line). */
export const ANY_VG = /^(?:==|--)\d+(?:==|--)/;

export type Kind = 'alloc' | 'calloc' | 'realloc' | 'reallocarray' | 'memalign' | 'posix_memalign' | 'free' | 'ignore';

/** The heap-call kind of a C or C++ allocation function name (valgrind, ltrace). */
export function classify(name: string): Kind {
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

/** One logged heap call: its name, kind, argument texts and result (null while unknown). */
export interface Call {
  name: string;
  kind: Kind;
  args: string[];
  result: string | null;
}

/** A call's size argument: a number, or valgrind's `size N` / `al N` spelling. */
function num(s: string | undefined, field: string, file: string, line: number): number {
  if (s === undefined) throw new SimError('TRACE_SYNTAX', `missing ${field}`, { file, line });
  const m = /(?:size\s+)?(\S+)$/.exec(s.trim());
  // Any size_t is read; AddressCalls rejects sizes over 2^53 only for calls that succeeded.
  return parseCount(m ? m[1] : s.trim(), field, file, line, { max: Infinity });
}

/**
 * Applies one call whose result (if it has one) is known (valgrind and ltrace logs): every
 * allocating call is an allocation (calloc and reallocarray n*m, the aligned ones their size),
 * every free/delete a free, realloc as AddressCalls.realloc; posix_memalign is skipped and
 * counted (neither log shows the pointer it stored).
 */
export function applyCall(heap: AddressCalls, sink: OpSink, file: string, c: Call, line: number): void {
  const a = c.args;
  switch (c.kind) {
    case 'alloc': {
      const named = a.find((x) => /^\s*size\s/.test(x));
      return heap.alloc(num(named ?? a[0], 'size', file, line), c.result!, line);
    }
    case 'calloc':
      return heap.alloc(num(a[0], 'count', file, line) * num(a[1], 'size', file, line), c.result!, line);
    case 'memalign':
      return heap.alloc(num(a[a.length - 1], 'size', file, line), c.result!, line);
    case 'realloc':
      return heap.realloc(heap.addr(a[0], line), num(a[1], 'size', file, line), c.result!, line);
    case 'reallocarray':
      return heap.realloc(heap.addr(a[0], line), num(a[1], 'count', file, line) * num(a[2], 'size', file, line), c.result!, line);
    case 'free':
      return heap.free(heap.addr(a[0], line), line);
    case 'posix_memalign':
      return sink.skip('posix_memalign (result address not logged)', line);
    case 'ignore':
      return;
  }
}

/** Whether a call of this kind logs a result (free and posix_memalign's pointer do not). */
export function needsResult(k: Kind): boolean {
  return k !== 'free' && k !== 'posix_memalign' && k !== 'ignore';
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
    let pid: string | null = null;
    let pending: Call | null = null;
    let pendingLine = 0;
    let started = false;
    /** A valgrind line was seen: later foreign lines are the program's own output. */
    let sawValgrind = false;
    let sawCall = false;

    const heap = new AddressCalls(sink, file);
    const apply = (c: Call, line: number): void => applyCall(heap, sink, file, c, line);
    const dropPending = (): void => {
      if (pending !== null) sink.skip('call without a logged result', pendingLine);
      pending = null;
    };

    return {
      line(text: string, n: number): void {
        const m = PREFIX.exec(text);
        if (m === null) {
          // ==PID== messages, and the program's output after valgrind's banner.
          if (ANY_VG.test(text)) sawValgrind = true;
          else if (!sawValgrind && text.trim() !== '')
            throw new SimError('TRACE_SYNTAX', `not a valgrind log line (no ==PID== or --PID-- prefix): "${clip(text.trim())}"`, { file, line: n });
          return;
        }
        sawValgrind = true;
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
          sawCall = true;
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
        if (!sawCall)
          throw new SimError('TRACE_FORMAT', 'no heap call in the file: not a valgrind --trace-malloc=yes log (run valgrind with --trace-malloc=yes)', { file });
      },
    };
  },
};
