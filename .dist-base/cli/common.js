"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.handler = handler;
exports.parseParamFlags = parseParamFlags;
exports.stdoutDashes = stdoutDashes;
const errors_1 = require("../errors");
const log_1 = require("../log");
const wasm_1 = require("../wasm");
/**
 * Wraps a command handler: SimErrors become one stderr line and their exit code (2 for bad
 * input); any other exception is a bug and keeps its stack trace (exit 1).
 */
function handler(fn) {
    return async (args) => {
        const lvl = args.logLevel;
        if (lvl)
            (0, log_1.setLogLevel)(lvl);
        try {
            // C allocators (--allocator my_alloc.c): built (or found in the cache) before the command.
            const given = args.allocator;
            const list = (Array.isArray(given) ? given : given === undefined ? [] : [given]).map(String);
            if (list.some(wasm_1.isCAllocatorSpec))
                await (0, wasm_1.prepareCAllocators)(list, args.cflags);
            const code = await fn(args);
            if (typeof code === 'number')
                process.exitCode = code;
        }
        catch (e) {
            if (e instanceof errors_1.SimError) {
                process.stderr.write(`rmalloc-sim: ${e.oneLine()}\n`);
                process.exitCode = e.exitCode;
                return;
            }
            throw e;
        }
    };
}
/** Parses repeated `--param name=value` flags into a record. */
function parseParamFlags(list) {
    const out = {};
    const items = Array.isArray(list) ? list : list === undefined ? [] : [list];
    for (const item of items) {
        const s = String(item);
        const eq = s.indexOf('=');
        if (eq <= 0)
            throw new errors_1.SimError('USAGE', `--param expects name=value, got "${s}"`);
        out[s.slice(0, eq)] = s.slice(eq + 1);
    }
    return out;
}
/** Output flags that take a file name, where "-" means stdout. */
const OUTPUT_FLAGS = new Set(['--json', '--csv', '--svg', '--html', '--output', '-o', '--animate']);
/**
 * `--json -` as `--json=-`: yargs reads a lone "-" as a positional argument (stdin, by
 * convention), which .strict() then rejects; for an output flag it means stdout.
 */
function stdoutDashes(argv) {
    const out = [];
    for (let i = 0; i < argv.length; i++) {
        const a = argv[i];
        if (OUTPUT_FLAGS.has(a) && argv[i + 1] === '-') {
            out.push(`${a}=-`);
            i++;
        }
        else
            out.push(a);
    }
    return out;
}
