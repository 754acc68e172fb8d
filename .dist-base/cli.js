#!/usr/bin/env node
"use strict";
var __importDefault = (this && this.__importDefault) || function (mod) {
    return (mod && mod.__esModule) ? mod : { "default": mod };
};
Object.defineProperty(exports, "__esModule", { value: true });
/**
 * rmalloc-sim entry point: wires the commands (one file each under src/cli/) into yargs.
 * Results go to stdout, logs to stderr. Exit 0 ok, 1 a problem the user asked about, 2 bad input.
 */
const yargs_1 = __importDefault(require("yargs"));
const helpers_1 = require("yargs/helpers");
const errors_1 = require("./errors");
const cleanup_1 = require("./util/cleanup");
const guard_1 = require("./cli/guard");
const cli_1 = require("./config/cli");
const common_1 = require("./cli/common");
// commands: one import per command file (keep this comment; add lines below it)
const soak_1 = require("./cli/soak");
const squeeze_1 = require("./cli/squeeze");
const heapmap_1 = require("./cli/heapmap");
const report_1 = require("./cli/report");
const allocators_1 = require("./cli/allocators");
const trace_1 = require("./cli/trace");
const compare_1 = require("./cli/compare");
const run_1 = require("./cli/run");
const min_heap_1 = require("./cli/min-heap");
const devices_1 = require("./cli/devices");
const record_1 = require("./cli/record");
const tune_1 = require("./cli/tune");
const merge_1 = require("./cli/merge");
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const COMMANDS = [
    // command list (keep this comment; add lines below it)
    soak_1.soakCommand,
    squeeze_1.squeezeCommand,
    heapmap_1.heapmapCommand,
    report_1.reportCommand,
    allocators_1.allocatorsCommand,
    trace_1.traceCommand,
    compare_1.defaultCommand,
    compare_1.compareCommand,
    run_1.runCommand,
    min_heap_1.minHeapCommand,
    devices_1.devicesCommand,
    record_1.recordCommand,
    tune_1.tuneCommand,
    merge_1.mergeCommand,
];
/** `--cflags "-DX -Iinc"`: the value starts with a dash, which yargs would take for flags. */
function joinCflags(argv) {
    const out = [];
    for (let i = 0; i < argv.length; i++) {
        if (argv[i] === '--cflags' && i + 1 < argv.length)
            out.push(`--cflags=${argv[++i]}`);
        else
            out.push(argv[i]);
    }
    return out;
}
async function main(args) {
    (0, cleanup_1.installSignalHandlers)();
    // `--cflags "-DX"` and `--json -` (stdout, see stdoutDashes) as `--flag=value`
    const raw = (0, common_1.stdoutDashes)(joinCflags(args));
    let y = (0, yargs_1.default)(raw)
        .scriptName('rmalloc-sim')
        .option('log-level', { type: 'string', describe: 'pino log level for stderr (default warn; env LOG_LEVEL)', global: true })
        .option('cflags', { type: 'string', describe: 'compiler flags for C allocators (--allocator my_alloc.c), e.g. "-DNDEBUG -Iinc"', global: true })
        .option('config', { type: 'string', global: true, describe: `config file (default: ./rmalloc-sim.json when present); flags override it` })
        .option('shard', { type: 'string', global: true, describe: 'compare, squeeze, tune, default command: run slice K/N of the jobs; writes the partial JSON --out for `merge`' })
        .option('out', { type: 'string', global: true, describe: 'the partial JSON file of --shard' })
        .middleware((0, cli_1.configMiddleware)(raw), true)
        .middleware((0, merge_1.shardMiddleware)(raw), true)
        .strict()
        .recommendCommands()
        // yargs turns a number option's bad text into NaN: name what the user typed instead.
        .middleware((argv) => {
        const bad = (0, guard_1.badNumberFlag)(raw, argv);
        if (bad)
            throw new errors_1.SimError('USAGE', bad);
    }, false)
        // `-t -` (stdin), pipes and FIFOs: spooled to a private temporary file before reading.
        .middleware((argv) => (0, guard_1.spoolTraceArgs)(argv), false)
        .wrap(Math.min(110, process.stdout.columns ?? 100))
        .fail((msg, err) => {
        if (err instanceof errors_1.SimError) {
            process.stderr.write(`rmalloc-sim: ${err.oneLine()}\n`);
            process.exit(err.exitCode);
        }
        if (err)
            throw err;
        process.stderr.write(`rmalloc-sim: ${msg} (USAGE)\nRun "rmalloc-sim --help" for usage.\n`);
        process.exit(2);
    });
    for (const c of COMMANDS)
        y = y.command(c);
    await y.help().version().parseAsync();
    (0, merge_1.finishShard)();
    // several devices in the config file: the same command once more on the next one.
    const nextDevice = (0, cli_1.nextDeviceRun)(args);
    if (nextDevice)
        return main(nextDevice);
    // merge runs the sharded command once more, on the recorded outcomes.
    const again = (0, merge_1.takeRerun)();
    if (again)
        await main(again);
}
main((0, helpers_1.hideBin)(process.argv)).catch((e) => {
    if (e instanceof errors_1.SimError) {
        process.stderr.write(`rmalloc-sim: ${e.oneLine()}\n`);
        process.exit(e.exitCode);
    }
    // A failed system call (permissions, a full disk, ...) is about the user's environment, not a bug.
    const err = e;
    if (err && typeof err.code === 'string' && typeof err.syscall === 'string') {
        const where = typeof err.path === 'string' ? `${(0, errors_1.printable)(err.path, 200)}: ` : '';
        process.stderr.write(`rmalloc-sim: ${where}${err.syscall} failed: ${(0, errors_1.describeFsError)(e)} (IO)\n`);
        process.exit(2);
    }
    process.stderr.write(`rmalloc-sim: internal error (a bug): ${e?.stack ?? String(e)}\n`);
    process.exit(1);
});
