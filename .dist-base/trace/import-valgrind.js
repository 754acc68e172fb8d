"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.valgrindImporter = exports.ANY_VG = void 0;
exports.classify = classify;
exports.applyCall = applyCall;
exports.needsResult = needsResult;
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
const errors_1 = require("../errors");
const import_util_1 = require("./import-util");
const PREFIX = /^--(\d+)--\s?(.*)$/;
const CALL = /([A-Za-z_]\w*)\(([^()]*)\)/y;
const RESULT = /\s*=\s*(\S+)/y;
/** A line valgrind itself wrote (`==PID==` message or `--PID--` trace line). */
exports.ANY_VG = /^(?:==|--)\d+(?:==|--)/;
/** The heap-call kind of a C or C++ allocation function name (valgrind, ltrace). */
function classify(name) {
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
    if (name.startsWith('_Znw') || name.startsWith('_Zna'))
        return 'alloc';
    if (name.startsWith('_Zdl') || name.startsWith('_Zda'))
        return 'free';
    return 'ignore';
}
/** A call's size argument: a number, or valgrind's `size N` / `al N` spelling. */
function num(s, field, file, line) {
    if (s === undefined)
        throw new errors_1.SimError('TRACE_SYNTAX', `missing ${field}`, { file, line });
    const m = /(?:size\s+)?(\S+)$/.exec(s.trim());
    // Any size_t is read; AddressCalls rejects sizes over 2^53 only for calls that succeeded.
    return (0, import_util_1.parseCount)(m ? m[1] : s.trim(), field, file, line, { max: Infinity });
}
/**
 * Applies one call whose result (if it has one) is known (valgrind and ltrace logs): every
 * allocating call is an allocation (calloc and reallocarray n*m, the aligned ones their size),
 * every free/delete a free, realloc as AddressCalls.realloc; posix_memalign is skipped and
 * counted (neither log shows the pointer it stored).
 */
function applyCall(heap, sink, file, c, line) {
    const a = c.args;
    switch (c.kind) {
        case 'alloc': {
            const named = a.find((x) => /^\s*size\s/.test(x));
            return heap.alloc(num(named ?? a[0], 'size', file, line), c.result, line);
        }
        case 'calloc':
            return heap.alloc(num(a[0], 'count', file, line) * num(a[1], 'size', file, line), c.result, line);
        case 'memalign':
            return heap.alloc(num(a[a.length - 1], 'size', file, line), c.result, line);
        case 'realloc':
            return heap.realloc(heap.addr(a[0], line), num(a[1], 'size', file, line), c.result, line);
        case 'reallocarray':
            return heap.realloc(heap.addr(a[0], line), num(a[1], 'count', file, line) * num(a[2], 'size', file, line), c.result, line);
        case 'free':
            return heap.free(heap.addr(a[0], line), line);
        case 'posix_memalign':
            return sink.skip('posix_memalign (result address not logged)', line);
        case 'ignore':
            return;
    }
}
/** Whether a call of this kind logs a result (free and posix_memalign's pointer do not). */
function needsResult(k) {
    return k !== 'free' && k !== 'posix_memalign' && k !== 'ignore';
}
exports.valgrindImporter = {
    name: 'valgrind',
    description: 'valgrind --trace-malloc=yes log (--PID-- malloc(16) = 0x... lines)',
    detect(head) {
        // Most lines carry valgrind's ==PID== or --PID-- prefix (the program's own output may be
        // mixed in; memtraces, which add `>>> ` lines, are detected before this importer).
        const vg = head.filter((l) => exports.ANY_VG.test(l)).length;
        return vg > 0 && vg * 2 >= head.length;
    },
    create(file, sink) {
        let pid = null;
        let pending = null;
        let pendingLine = 0;
        let started = false;
        /** A valgrind line was seen: later foreign lines are the program's own output. */
        let sawValgrind = false;
        let sawCall = false;
        const heap = new import_util_1.AddressCalls(sink, file);
        const apply = (c, line) => applyCall(heap, sink, file, c, line);
        const dropPending = () => {
            if (pending !== null)
                sink.skip('call without a logged result', pendingLine);
            pending = null;
        };
        return {
            line(text, n) {
                const m = PREFIX.exec(text);
                if (m === null) {
                    // ==PID== messages, and the program's output after valgrind's banner.
                    if (exports.ANY_VG.test(text))
                        sawValgrind = true;
                    else if (!sawValgrind && text.trim() !== '')
                        throw new errors_1.SimError('TRACE_SYNTAX', `not a valgrind log line (no ==PID== or --PID-- prefix): "${(0, import_util_1.clip)(text.trim())}"`, { file, line: n });
                    return;
                }
                sawValgrind = true;
                const body = m[2];
                if (pid !== m[1]) {
                    if (pid === null)
                        pid = m[1];
                    else if (/^\s*=|^[A-Za-z_]\w*\(/.test(body))
                        return sink.skip(`event of another process (pid ${m[1]}) ignored`, n, true);
                    else
                        return;
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
                        c.result = lone[1];
                        apply(c, pendingLine);
                    }
                    return;
                }
                const calls = [];
                let pos = 0;
                for (;;) {
                    CALL.lastIndex = pos;
                    const cm = CALL.exec(body);
                    if (cm === null)
                        break;
                    pos = CALL.lastIndex;
                    const call = { name: cm[1], kind: classify(cm[1]), args: cm[2].split(','), result: null };
                    RESULT.lastIndex = pos;
                    const rm = RESULT.exec(body);
                    if (rm !== null) {
                        call.result = rm[1];
                        pos = RESULT.lastIndex;
                    }
                    calls.push(call);
                }
                if (calls.length === 0)
                    return; // REDIR:, Reading syms, ... : not a malloc trace line
                // realloc(NULL, n) / realloc(p, 0) in older versions: the inner call did the work.
                const work = calls.length > 1 && (calls[0].kind === 'realloc' || calls[0].kind === 'reallocarray') ? calls.slice(1) : calls;
                for (const c of work) {
                    if (c.kind === 'ignore')
                        continue;
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
            end() {
                dropPending();
                if (!sawCall)
                    throw new errors_1.SimError('TRACE_FORMAT', 'no heap call in the file: not a valgrind --trace-malloc=yes log (run valgrind with --trace-malloc=yes)', { file });
            },
        };
    },
};
