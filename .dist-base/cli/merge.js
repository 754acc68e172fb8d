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
exports.mergeCommand = void 0;
exports.shardMiddleware = shardMiddleware;
exports.finishShard = finishShard;
exports.takeRerun = takeRerun;
/**
 * `--shard K/N` for compare, squeeze and the default command (tune shards itself: src/cli/tune.ts)
 * and `rmalloc-sim merge P...`, which turns the N partials into exactly the output of the
 * unsharded run: tune partials through the search merge, the others by running the recorded
 * command again on the recorded outcomes (src/study/shard.ts).
 */
const fs = __importStar(require("node:fs"));
const errors_1 = require("../errors");
const report_1 = require("../report");
const shard_1 = require("../study/shard");
const common_1 = require("./common");
const tune_1 = require("./tune");
/** The commands whose jobs shard by (trace, allocator) cell ('' is the default command). */
const SLICED = ['', 'compare', 'squeeze'];
/** Output options that belong to merge, not to a shard. */
const OUTPUTS = ['json', 'csv', 'svg-dir', 'svg', 'html'];
let recording;
let rerun;
/** The command line without the options named (`--name V`, `--name=V`, `-x V` for aliases). */
function dropOptions(raw, names) {
    const out = [];
    for (let i = 0; i < raw.length; i++) {
        const t = raw[i];
        if (t === '--') {
            out.push(...raw.slice(i));
            break;
        }
        const m = /^--?([^=]+)(=.*)?$/.exec(t);
        if (m && names.includes(m[1])) {
            if (m[2] === undefined)
                i++;
        }
        else
            out.push(t);
    }
    return out;
}
/** The command line without --shard and --out (what merge runs again). */
const stripShard = (raw) => dropOptions(raw, ['shard', 'out']);
function usage(msg) {
    process.stderr.write(`rmalloc-sim: ${msg} (USAGE)\n`);
    process.exit(2);
}
/** yargs middleware: a --shard run of compare, squeeze or the default command records its slice. */
function shardMiddleware(raw) {
    return (argv) => {
        if (argv.shard === undefined)
            return;
        const command = String(argv._?.[0] ?? '');
        if (command === 'tune')
            return;
        if (!SLICED.includes(command))
            usage(`--shard works with compare, squeeze, tune and the default command, not ${command}`);
        let shard;
        try {
            shard = (0, shard_1.parseShard)(argv.shard);
        }
        catch (e) {
            usage(e.message);
        }
        if (argv.out === undefined)
            usage('--shard K/N needs --out FILE for the partial JSON');
        const given = OUTPUTS.find((k) => argv[k] !== undefined);
        if (given)
            usage(`--${given} with --shard: a shard writes only its partial; give --${given} to merge`);
        const write = process.stdout.write.bind(process.stdout);
        // The shard's own report would be incomplete: stdout stays silent, the partial says it all.
        process.stdout.write = (() => true);
        recording = { shard, out: String(argv.out), argv: stripShard(raw), command, rec: (0, shard_1.recordSlice)(shard), write };
    };
}
/** After the command: writes the partial of a --shard run (whole or not at all). */
function finishShard() {
    const r = recording;
    if (!r)
        return;
    recording = undefined;
    process.stdout.write = r.write;
    if (process.exitCode === 2)
        return; // the command failed on its input: no partial
    const inputs = { argv: r.argv, cwd: process.cwd(), traces: r.rec.traces };
    const p = {
        schema: 1, partial: true, command: r.command === 'squeeze' ? 'squeeze' : 'compare', shard: r.shard, fingerprint: (0, shard_1.fingerprint)({ argv: r.argv, traces: r.rec.traces }),
        inputs, data: { cells: r.rec.cells, mine: r.rec.mine, outcomes: r.rec.outcomes },
    };
    (0, report_1.writeFileAtomic)(r.out, (0, report_1.stringify)(p));
    process.stderr.write(`rmalloc-sim: shard ${r.shard.k}/${r.shard.n}: ${r.rec.mine} of ${r.rec.cells} (trace, allocator) cells, partial written to ${r.out}\n`);
}
/** The command line merge wants run again (once), if any. */
function takeRerun() {
    const a = rerun;
    rerun = undefined;
    return a;
}
async function mergeHandler(args) {
    const parts = (0, shard_1.readPartials)(args.partials);
    const first = parts[0];
    if (first.command === 'tune') {
        const rec = (0, tune_1.tuneOutput)(first);
        const given = args.format !== undefined || args.json !== undefined || args.svg !== undefined;
        (0, tune_1.printTune)((0, tune_1.mergeTune)(parts), given ? args : rec);
        return 0;
    }
    const outcomes = {};
    for (const p of parts)
        Object.assign(outcomes, p.data.outcomes);
    (0, shard_1.serveRecorded)(outcomes);
    const inputs = first.inputs;
    if (inputs.cwd !== process.cwd() && fs.existsSync(inputs.cwd))
        process.chdir(inputs.cwd);
    // merge's own output options replace the recorded command's.
    const extra = [];
    const drop = [];
    for (const k of ['format', 'json', 'csv', 'svg-dir'])
        if (args[k] !== undefined) {
            extra.push(`--${k}`, String(args[k]));
            drop.push(k, ...(k === 'format' ? ['f'] : []));
        }
    if (args.svg !== undefined)
        throw new errors_1.SimError('USAGE', '--svg is for tune partials; compare and squeeze take --svg-dir');
    const argv = dropOptions(inputs.argv, drop);
    const dd = argv.indexOf('--');
    rerun = dd < 0 ? [...argv, ...extra] : [...argv.slice(0, dd), ...extra, ...argv.slice(dd)];
    return 0;
}
exports.mergeCommand = {
    command: 'merge <partials..>',
    describe: 'combine the partial JSONs of `--shard K/N` runs (compare, squeeze, tune, the default command) into the unsharded output',
    builder: ((y) => y
        .positional('partials', { type: 'string', array: true, describe: 'the N partial JSON files (any order)' })
        .option('format', { alias: 'f', type: 'string', describe: 'stdout format (default: the sharded command\'s)' })
        .option('json', { type: 'string', describe: 'also write the JSON to this file' })
        .option('csv', { type: 'string', describe: 'also write the CSV to this file (compare, squeeze)' })
        .option('svg', { type: 'string', describe: 'tune: write the Pareto front SVG to this file' })
        .option('svg-dir', { type: 'string', describe: 'compare: write the per-trace charts into this folder' })),
    handler: (0, common_1.handler)(mergeHandler),
};
