"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.repImporter = void 0;
/**
 * CS:APP malloc-lab `.rep` traces.
 *
 * A header of four numbers (one per line in the lab's files; any spacing is accepted), in
 * either variant: `heap ids ops weight` (suggested heap size first) or `weight ids ops
 * max_alloc`. Both keep the number of ids second and the number of ops third. Files in
 * circulation also come with just two numbers, `ids ops` (no heap size, no weight). The ids and
 * ops are all the importer uses: when they disagree with the body it logs a warning. The body
 * is native (`a id size`, `f id`, `r id size`), with four malloc-lab conventions:
 * - `a id` without a size is malloc(0): counted as a problem (an error under strict);
 * - `f -1` is free(NULL): skipped and counted (benign, never an error);
 * - `r` on an id that is not live is an allocation (the driver's realloc(NULL, size)); if the
 *   id had been allocated and freed before, that is also counted (benign) so it is visible;
 * - `r id 0` is a free (native semantics).
 * CRLF line ends are fine.
 */
const errors_1 = require("../errors");
const log_1 = require("../log");
const types_1 = require("./types");
const native_1 = require("./native");
const NUM = /^-?\d+(?:\.\d+)?$/;
const FREE_NULL = /^\s*f\s+-1\s*(?:#.*)?$/;
const ALLOC_NO_SIZE = /^a\s+(\d+)\s*(?:#.*)?$/;
const OP_LINE = /^\s*[afr]\s/;
function numericLine(l) {
    const t = l.trim();
    return t !== '' && t.split(/\s+/).every((x) => NUM.test(x));
}
exports.repImporter = {
    name: 'rep',
    description: 'CS:APP malloc-lab .rep trace (4- or 2-number header, then a/f/r lines; f -1 = free(NULL))',
    detect(head) {
        let nums = 0;
        let i = 0;
        for (; i < head.length; i++) {
            const l = head[i];
            if (l.trim().startsWith('#'))
                continue;
            if (!numericLine(l))
                break;
            nums += l.trim().split(/\s+/).length;
        }
        // Four numbers and then ops (or anything: a bare number never starts a native trace, and
        // a malformed body line is better reported by this importer with its line number); or two
        // numbers (ids, ops) and then an op.
        if (nums === 4)
            return i >= head.length || OP_LINE.test(head[i]) || !/^\s*\d/.test(head[i]);
        return nums === 2 && i < head.length && OP_LINE.test(head[i]);
    },
    create(file, sink) {
        const header = [];
        const live = new Set();
        const ever = new Set();
        let maxId = -1;
        let bodyOps = 0;
        let lineNo = 0;
        // Intercepts the native parser's ops to apply the malloc-lab realloc convention.
        const wrap = {
            op(kind, id, arg, line) {
                if (kind === types_1.OP_REALLOC && !live.has(id)) {
                    if (ever.has(id))
                        sink.skip('realloc of a freed id: imported as an allocation', line, true);
                    kind = types_1.OP_ALLOC;
                }
                if (kind === types_1.OP_ALLOC) {
                    live.add(id);
                    ever.add(id);
                    if (id > maxId)
                        maxId = id;
                }
                else if (kind === types_1.OP_FREE || (kind === types_1.OP_REALLOC && arg === 0))
                    live.delete(id);
                sink.op(kind, id, arg, line);
            },
            skip: (r, l, b) => sink.skip(r, l, b),
            comment: (t) => sink.comment(t),
        };
        const parser = new native_1.NativeParser(wrap, file);
        /** The header is complete: 4 numbers, or 2 (ids, ops) once the first op shows up. */
        let headerDone = false;
        let noSizes = 0;
        const endHeader = (line) => {
            if (header.length !== 2 && header.length !== 4)
                throw new errors_1.SimError('TRACE_SYNTAX', `malloc-lab header needs 4 numbers (or 2: ids and ops) before the first op, found ${header.length}`, { file, line });
            headerDone = true;
            const [ids, ops] = header.length === 4 ? [header[1], header[2]] : [header[0], header[1]];
            sink.comment(`malloc-lab header: ${header.join(' ')} (ids ${ids}, ops ${ops})`);
        };
        return {
            line(text, n) {
                lineNo = n;
                const t = text.trim();
                if (t === '')
                    return;
                if (t.startsWith('#')) {
                    sink.comment(t.slice(1).trimStart());
                    return;
                }
                if (!headerDone) {
                    if (numericLine(t)) {
                        for (const x of t.split(/\s+/)) {
                            if (header.length === 4)
                                throw new errors_1.SimError('TRACE_SYNTAX', `malloc-lab header has more than 4 numbers: "${t}"`, { file, line: n });
                            header.push(Number(x));
                        }
                        if (header.length === 4)
                            endHeader(n);
                        return;
                    }
                    endHeader(n);
                }
                bodyOps++;
                if (FREE_NULL.test(t)) {
                    sink.skip('free(NULL) (f -1)', n, true);
                    return;
                }
                let op = t;
                const noSize = ALLOC_NO_SIZE.exec(t);
                if (noSize !== null) {
                    // Some files in circulation write malloc(0) as `a <id>`.
                    sink.skip('allocation without a size: read as malloc(0)', n);
                    noSizes++;
                    op = `a ${noSize[1]} 0`;
                }
                parser.line = n - 1;
                const b = Buffer.from(`${op}\n`, 'utf8');
                parser.parse(b, 0, b.length, 1);
            },
            end() {
                if (!headerDone) {
                    if (header.length === 0)
                        return;
                    endHeader(lineNo);
                }
                const [ids, ops] = (header.length === 4 ? [header[1], header[2]] : [header[0], header[1]]);
                const idsOk = ids === ever.size || ids === maxId + 1;
                if (noSizes > 0)
                    log_1.log.warn(`${file}: ${noSizes} allocation${noSizes === 1 ? '' : 's'} without a size (\`a <id>\`) read as malloc(0)`);
                if (ops !== bodyOps || !idsOk)
                    log_1.log.warn(`${file}: malloc-lab header says ${ids} ids and ${ops} ops; the body has ${ever.size} ids and ${bodyOps} ops`);
            },
        };
    },
};
