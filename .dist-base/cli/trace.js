"use strict";
var __createBinding = (this && this.__createBinding) || (Object.create ? (function(o, m, k, k2) {
    if (k2 === undefined) k2 = k;
    var desc = Object.getOwnPropertyDescriptor(m, k);
    if (!desc || ("get" in desc ? !m.__esModule : desc.writable || desc.configurable)) {
      desc = { enumerable: true, get: function() { return m[k]; } };
    }
    Object.defineProperty(o, k2, desc);
}) : (function(o, m, k, k2) {
    if (k2 === undefined) k2 = k;
    o[k2] = m[k];
}));
var __setModuleDefault = (this && this.__setModuleDefault) || (Object.create ? (function(o, v) {
    Object.defineProperty(o, "default", { enumerable: true, value: v });
}) : function(o, v) {
    o["default"] = v;
});
var __importStar = (this && this.__importStar) || (function () {
    var ownKeys = function(o) {
        ownKeys = Object.getOwnPropertyNames || function (o) {
            var ar = [];
            for (var k in o) if (Object.prototype.hasOwnProperty.call(o, k)) ar[ar.length] = k;
            return ar;
        };
        return ownKeys(o);
    };
    return function (mod) {
        if (mod && mod.__esModule) return mod;
        var result = {};
        if (mod != null) for (var k = ownKeys(mod), i = 0; i < k.length; i++) if (k[i] !== "default") __createBinding(result, mod, k[i]);
        __setModuleDefault(result, mod);
        return result;
    };
})();
Object.defineProperty(exports, "__esModule", { value: true });
exports.traceCommand = void 0;
exports.reportSkipped = reportSkipped;
exports.formatStats = formatStats;
const trace_1 = require("../trace");
const units_1 = require("../util/units");
const log_1 = require("../log");
const common_1 = require("./common");
const path = __importStar(require("node:path"));
const errors_1 = require("../errors");
const atomic_1 = require("../util/atomic");
const spool_1 = require("../trace/spool");
const FORMATS = trace_1.IMPORTERS.map((i) => i.name);
/** One stderr line per skip reason: `rmalloc-sim: FILE:LINE: skipped N x reason`. */
function reportSkipped(file, skipped) {
    for (const s of skipped)
        process.stderr.write(`rmalloc-sim: ${file}:${s.firstLine}: ${s.benign ? 'ignored' : 'skipped'} ${s.count} x ${s.reason} (first at this line)\n`);
}
function pad(s, n) {
    return s.length >= n ? s : s + ' '.repeat(n - s.length);
}
function lpad(s, n) {
    return s.length >= n ? s : ' '.repeat(n - s.length) + s;
}
function histogram(title, unit, h) {
    if (h.length === 0)
        return `${title}: none\n`;
    const total = h.reduce((s, b) => s + b.count, 0);
    const most = Math.max(...h.map((b) => b.count));
    const ranges = h.map((b) => (b.min === b.max ? `${b.min}` : `${b.min}..${b.max}`));
    const w = Math.max(...ranges.map((r) => r.length));
    const cw = Math.max(...h.map((b) => String(b.count).length));
    let out = `${title} (${unit}, log2 buckets):\n`;
    h.forEach((b, i) => {
        const bar = '#'.repeat(b.count === 0 ? 0 : Math.max(1, Math.round((40 * b.count) / most)));
        out += `  ${lpad(ranges[i], w)}  ${lpad(String(b.count), cw)}  ${lpad(((100 * b.count) / total).toFixed(1), 5)}%  ${bar}\n`;
    });
    return out;
}
/** The human-readable stats table. */
function formatStats(s, format) {
    const rows = [
        ['trace', `${s.trace} (${s.path}, ${format})`],
        ['ops', String(s.ops)],
        ['  alloc', String(s.allocs)],
        ['  free', String(s.frees)],
        ['  realloc', String(s.reallocs)],
        ['  lock / unlock', `${s.locks} / ${s.unlocks}`],
        ['  idle', `${s.idles} (${s.idleCycles} cycles)`],
        ['  access', String(s.accesses)],
        ['ids', String(s.ids)],
        ['peak live', `${s.peakLive} B (${(0, units_1.formatBytes)(s.peakLive)}) at op ${s.peakLiveOp}`],
        ['peak live ids', String(s.peakLiveIds)],
        ['max size', `${s.maxSize} B (${(0, units_1.formatBytes)(s.maxSize)})`],
        ['live at end', `${s.liveAtEnd} B in ${s.liveIdsAtEnd} ids`],
        ['skipped', String(s.skipped.reduce((n, x) => n + x.count, 0))],
    ];
    let out = '';
    for (const h of s.header.slice(0, 12))
        out += `# ${(0, errors_1.printable)(h, 200)}\n`;
    for (const [k, v] of rows)
        out += `${pad(k, 16)} ${v}\n`;
    out += '\n' + histogram('request sizes', 'bytes', s.sizeHistogram);
    out += '\n' + histogram('lifetimes of freed blocks', 'ops', s.lifetimeHistogram);
    return out;
}
const statsCommand = {
    command: 'stats <file>',
    describe: 'what a trace asks of an allocator: ops, ids, peak live bytes, size and lifetime histograms',
    builder: (y) => y
        .positional('file', { type: 'string', demandOption: true, describe: 'trace file (native, .gz, or an importable format)' })
        .option('json', { type: 'boolean', default: false, describe: 'print JSON ({ schema: 1, ... })' })
        .option('strict', { type: 'boolean', default: false, describe: 'make recoverable problems (free of an unknown id, ...) errors' })
        .option('from', { type: 'string', choices: FORMATS, describe: 'input format (default: detected)' })
        .example('$0 trace stats firmware-traces/lua.trace.gz', 'table on stdout')
        .example('$0 trace stats amptjp.rep --json', 'JSON (schema 1)'),
    handler: (0, common_1.handler)(async (args) => {
        await (0, spool_1.spoolInput)(args.file === '' ? '-' : args.file);
        const src = (0, trace_1.openTrace)(args.file === '' ? '-' : args.file, { strict: args.strict, format: args.from });
        const s = await (0, trace_1.traceStats)(src);
        reportSkipped(args.file, s.skipped);
        process.stdout.write(args.json ? JSON.stringify({ ...s, format: src.format }, null, 2) + '\n' : formatStats(s, src.format));
        return 0;
    }),
};
const convertCommand = {
    command: 'convert <in> <out>',
    describe: 'convert a trace (malloc-lab .rep, mtrace, valgrind, thesis memtrace/ops, native) to the native format',
    builder: (y) => y
        .positional('in', { type: 'string', demandOption: true, describe: 'input trace' })
        .positional('out', { type: 'string', demandOption: true, describe: 'output native trace (.gz to compress; - for stdout)' })
        .option('from', { type: 'string', choices: FORMATS, describe: 'input format (default: detected from the first lines)' })
        .option('strict', { type: 'boolean', default: false, describe: 'make recoverable problems errors instead of skipping them' })
        .example('$0 trace convert amptjp.rep amptjp.trace.gz', 'a malloc-lab trace')
        .example('$0 trace convert --from valgrind vg.log prog.trace', 'a valgrind --trace-malloc=yes log'),
    handler: (0, common_1.handler)(async (args) => {
        // yargs hands a lone `-` positional over as ''.
        const input = args.in === '' ? '-' : args.in;
        const out = args.out === '' || args.out === '-' ? '-' : args.out;
        if (out !== '-' && (path.resolve(input) === path.resolve(out) || (0, atomic_1.sameFile)(input, out)))
            throw new errors_1.SimError('USAGE', `OUT is the input file${path.resolve(input) === path.resolve(out) ? '' : ' (a link to it)'}: converting in place would destroy it; write to another file`, { file: args.out });
        await (0, spool_1.spoolInput)(input);
        const src = (0, trace_1.openTrace)(input, { strict: args.strict, format: args.from });
        const header = [...src.info.header];
        if (src.format !== 'native')
            header.push(`converted by rmalloc-sim from ${input} (format ${src.format})`);
        // Written under a temporary name and renamed at the end: a bad input or an interrupt
        // leaves OUT as it was (stdout gets the ops up to the error, then a non-zero exit).
        const w = new trace_1.TraceWriter(out, header);
        try {
            for await (const b of src.batches())
                await w.write(b);
        }
        catch (e) {
            w.abort();
            throw e;
        }
        await w.close();
        reportSkipped(args.in, src.skipped());
        log_1.log.info({ ops: w.ops, out, format: src.format }, 'trace converted');
        return 0;
    }),
};
exports.traceCommand = {
    command: 'trace <command>',
    describe: 'inspect and convert traces: trace stats F | trace convert IN OUT',
    builder: (y) => y.command(statsCommand).command(convertCommand).demandCommand(1, 'trace needs a subcommand: stats or convert'),
    handler: () => { },
};
