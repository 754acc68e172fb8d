"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.ltraceImporter = void 0;
/**
 * ltrace output of the heap calls (`ltrace -e malloc+calloc+realloc+free -o LOG prog`, or all
 * library calls: the others are ignored). A line is one call and its result:
 *   malloc(24)                        = 0x55d0c0a012a0
 *   prog->calloc(10, 8)               = 0x55d0c0a012c0      (-e names the caller: `lib->fn`)
 *   realloc(0x55d0c0a012c0, 200)      = 0x55d0c0a01300
 *   free(0x55d0c0a012a0)              = <void>
 * optionally prefixed by `[pid N]` (-f), a time stamp (-t, -tt, -ttt, -r) and `[0xIP]` (-i), and
 * followed by `<0.000123>` (-T). A call interrupted by another thread or a signal is split:
 * `malloc(24 <unfinished ...>`, later `<... malloc resumed> ) = 0x...`. Signal lines
 * (`--- SIGCHLD ... ---`) and exit lines (`+++ exited ... +++`) are ignored. NULL prints as 0.
 *
 * Mapping as for valgrind (applyCall, AddressCalls): calloc n*m, realloc(NULL, n) an `a`,
 * realloc(p, 0) an `f`, a failed realloc keeps p; free(NULL) and failed calls are benign skips.
 * Only the first process is kept (with -f, other pids are skipped and counted). Lines that are
 * not ltrace's (the program's own output on the same stream) are skipped and counted; a file
 * without a single heap call is an error naming its first such line.
 */
const errors_1 = require("../errors");
const import_util_1 = require("./import-util");
const import_valgrind_1 = require("./import-valgrind");
/** `[pid N] `, a time stamp (`12:34:56`, `12:34:56.123456`, `1700000000.123456`, `0.000123`), `[0xIP] `. */
const PREFIX = /^(?:\[pid (\d+)\]\s+)?(?:\d+(?::\d\d){2}(?:\.\d+)?\s+|\d+\.\d+\s+)?(?:\[(?:0x)?[0-9a-fA-F]+\]\s+)?(.*)$/;
/** `[lib->]name(` */
const CALL_HEAD = /^(?:[^\s()]+->)?([A-Za-z_]\w*)\((.*)$/;
/** The end of a call: `) = result` and an optional `<duration>`. */
const CALL_TAIL = /^(.*)\)\s*=\s*(\S+)(?:\s+<[\d.]+>)?\s*$/;
const UNFINISHED = /^(.*?)\s*<unfinished \.\.\.>\s*$/;
const RESUMED = /^<\.\.\. ([A-Za-z_]\w*) resumed>\s*(.*)$/;
const EVENT = /^(?:---.*---|\+\+\+.*\+\+\+)\s*$/;
/** A complete heap call line, for detection. */
const HEAP_LINE = /^(?:\[pid \d+\]\s+)?(?:[\d:.]+\s+)?(?:\[(?:0x)?[0-9a-fA-F]+\]\s+)?(?:[^\s()]+->)?(?:malloc|calloc|realloc|free)\(.*\)\s*=\s*\S+/;
function splitArgs(s) {
    const t = s.trim();
    return t === '' ? [] : t.split(',').map((x) => x.trim());
}
exports.ltraceImporter = {
    name: 'ltrace',
    description: 'ltrace output of malloc/calloc/realloc/free (name(args) = result lines; -f, -t, -T, -i accepted)',
    detect(head) {
        let heap = 0;
        let ours = 0;
        for (const l of head) {
            const body = PREFIX.exec(l)?.[2] ?? l;
            if (HEAP_LINE.test(l))
                heap++;
            if (HEAP_LINE.test(l) || EVENT.test(body) || RESUMED.test(body) || CALL_HEAD.test(body))
                ours++;
        }
        return heap > 0 && ours * 2 >= head.length;
    },
    create(file, sink) {
        const heap = new import_util_1.AddressCalls(sink, file);
        /** Calls left unfinished, by pid ('' without -f). */
        const pending = new Map();
        let pid = null;
        let calls = 0;
        let firstForeign = 0;
        let firstForeignText = '';
        const finish = (c, line) => {
            if (calls++ === 0)
                sink.comment(`imported from ltrace output${pid ? ` (pid ${pid})` : ''}`);
            (0, import_valgrind_1.applyCall)(heap, sink, file, c, line);
        };
        return {
            line(text, n) {
                if (text.trim() === '')
                    return;
                const m = PREFIX.exec(text);
                const p = m[1] ?? '';
                const body = m[2].trim();
                if (EVENT.test(body))
                    return;
                const head = CALL_HEAD.exec(body);
                const resumed = head === null ? RESUMED.exec(body) : null;
                if (head === null && resumed === null) {
                    // Not an ltrace line: the program's own output on the same stream.
                    if (firstForeign === 0) {
                        firstForeign = n;
                        firstForeignText = body;
                    }
                    return sink.skip('line that is not an ltrace call (program output?)', n, true);
                }
                const name = (head ?? resumed)[1];
                const kind = (0, import_valgrind_1.classify)(name);
                if (kind === 'ignore')
                    return;
                if (pid === null)
                    pid = p;
                else if (p !== pid)
                    return sink.skip(`call of another process (pid ${p}) ignored`, n, true);
                let call;
                let rest;
                let line = n;
                if (head !== null) {
                    call = { name, kind, args: [], result: null };
                    rest = head[2];
                }
                else {
                    const open = pending.get(p);
                    if (open === undefined || open.call.name !== name)
                        return sink.skip('resumed call without its start', n);
                    pending.delete(p);
                    call = open.call;
                    line = open.line;
                    rest = `${call.args.join(', ')} ${resumed[2]}`;
                    call.args = [];
                }
                const unfinished = UNFINISHED.exec(rest);
                if (unfinished !== null) {
                    call.args = splitArgs(unfinished[1]);
                    if (pending.has(p))
                        sink.skip('call without a logged result', pending.get(p).line);
                    pending.set(p, { call, line: n });
                    return;
                }
                const tail = CALL_TAIL.exec(rest);
                if (tail === null) {
                    // `free(p) = <void>` ends like the others; anything else is malformed.
                    throw new errors_1.SimError('TRACE_SYNTAX', `cannot read the ${name} call: "${(0, import_util_1.clip)(body, 60)}"`, { file, line: n });
                }
                call.args = splitArgs(tail[1]);
                call.result = (0, import_valgrind_1.needsResult)(kind) ? tail[2] : null;
                finish(call, line);
            },
            end() {
                for (const { line } of pending.values())
                    sink.skip('call without a logged result', line);
                if (calls === 0) {
                    if (firstForeign > 0)
                        throw new errors_1.SimError('TRACE_SYNTAX', `not an ltrace line: "${(0, import_util_1.clip)(firstForeignText)}" (and no heap call in the file)`, { file, line: firstForeign });
                    throw new errors_1.SimError('TRACE_FORMAT', 'no malloc, calloc, realloc or free call in the file: not an ltrace log of the heap calls', { file });
                }
            },
        };
    },
};
