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
exports.perDevicePath = perDevicePath;
exports.nextDeviceRun = nextDeviceRun;
exports.joinDeviceOutputs = joinDeviceOutputs;
exports.configMiddleware = configMiddleware;
/**
 * The config file in every command: a yargs middleware (src/cli.ts registers it) that loads
 * `--config F` or ./rmalloc-sim.json and fills each option the command has and the command line
 * did not give. Flags always win: an option counts as given when its name, an alias or its
 * --no- form appears on the command line.
 *
 * Several devices in the file and no --device: a command that takes a device runs once per device,
 * in the file's order (src/cli.ts reruns it, see nextDeviceRun). stdout shows each device's output
 * under a `== device NAME ==` line, or, when every run printed JSON, one JSON object
 * `{ "devices": [{ "device": NAME, "result": ... }] }`; files the command writes get the device in
 * their name (report.html -> report.nds.html, a folder -> FOLDER/nds); the exit code is the worst.
 */
const path = __importStar(require("node:path"));
const errors_1 = require("../errors");
const index_1 = require("./index");
/** The options the command line gave, by every name they go by (before any `--`). */
function givenOnCommandLine(raw) {
    const out = new Set();
    for (const tok of raw) {
        if (tok === '--')
            break;
        const m = /^--?(?:no-)?([^=]+)/.exec(tok);
        if (!m || /^-\d/.test(tok))
            continue;
        if (tok.startsWith('--'))
            out.add(m[1]);
        else
            for (const ch of m[1])
                out.add(ch); // -ad: short flags may be grouped
    }
    return out;
}
const camel = (s) => s.replace(/-([a-z])/g, (_, c) => c.toUpperCase());
// ---- several devices: one run per device --------------------------------------------------
/** Options naming a file the command writes, and the ones naming a folder. */
const OUTPUT_FILES = ['json', 'csv', 'svg', 'animate', 'output'];
const OUTPUT_DIRS = ['svg-dir', 'frames'];
let runs;
/** `report.html` -> `report.nds.html`; `out.trace.gz`-style double extensions keep theirs. */
function perDevicePath(file, device, folder) {
    const tag = path.basename(device).replace(/\.json$/i, '');
    if (folder)
        return path.join(file, tag);
    const dir = path.dirname(file);
    const base = path.basename(file);
    const dot = base.indexOf('.', 1);
    return path.join(dir, dot < 0 ? `${base}.${tag}` : `${base.slice(0, dot)}.${tag}${base.slice(dot)}`);
}
function beginDeviceRun(argv, names) {
    const r = runs;
    const device = r.devices[r.at];
    for (const n of names('device'))
        argv[n] = device;
    for (const k of [...OUTPUT_FILES, ...OUTPUT_DIRS]) {
        const v = argv[k];
        if (typeof v !== 'string' || v === '' || v === '-')
            continue; // stdout stays stdout
        const p = perDevicePath(v, device, OUTPUT_DIRS.includes(k));
        for (const n of names(k))
            argv[n] = p;
    }
    r.chunks = [];
    r.write = process.stdout.write;
    process.stdout.write = ((chunk, ...rest) => {
        r.chunks.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
        const cb = rest.find((x) => typeof x === 'function');
        if (cb)
            cb();
        return true;
    });
}
/**
 * Called by src/cli.ts after each run: the arguments of the next device's run, or undefined
 * when there is none (after printing every device's output and setting the worst exit code).
 */
function nextDeviceRun(args) {
    const r = runs;
    if (!r)
        return undefined;
    if (r.write)
        process.stdout.write = r.write;
    r.write = undefined;
    r.outputs.push({ device: r.devices[r.at], text: r.chunks.join('') });
    const code = typeof process.exitCode === 'number' ? process.exitCode : 0;
    r.worst = Math.max(r.worst, code);
    process.exitCode = 0;
    if (code !== 2 && ++r.at < r.devices.length)
        return [...args, '--device', r.devices[r.at]];
    runs = undefined;
    process.exitCode = r.worst;
    process.stdout.write(joinDeviceOutputs(r.outputs));
    return undefined;
}
/** Each device's stdout under a heading, or one JSON object when every run printed JSON. */
function joinDeviceOutputs(outputs) {
    const printed = outputs.filter((o) => o.text.trim() !== '');
    if (printed.length === 0)
        return '';
    const parsed = printed.map((o) => {
        try {
            return { device: o.device, result: JSON.parse(o.text) };
        }
        catch {
            return undefined;
        }
    });
    if (parsed.every((p) => p !== undefined))
        return JSON.stringify({ devices: parsed }, null, 2) + '\n';
    return printed.map((o) => `== device ${o.device} ==\n${o.text.endsWith('\n') ? o.text : o.text + '\n'}`).join('\n');
}
function configMiddleware(raw) {
    return (argv, y) => {
        const explicit = argv.config !== undefined;
        let c;
        try {
            c = (0, index_1.loadConfig)(explicit ? String(argv.config) : index_1.CONFIG_FILE, explicit);
        }
        catch (e) {
            // Middleware runs outside the command handlers: print the one line here.
            if (!(e instanceof errors_1.SimError))
                throw e;
            process.stderr.write(`rmalloc-sim: ${e.oneLine()}\n`);
            process.exit(e.exitCode);
        }
        (0, index_1.useConfig)(c);
        if (!c)
            return;
        const opts = y.getOptions();
        const given = givenOnCommandLine(raw);
        const names = (k) => [k, camel(k), ...(opts.alias[k] ?? [])];
        if (runs) {
            beginDeviceRun(argv, names); // a rerun of nextDeviceRun: its --device is ours
        }
        else if (c.devices && c.devices.length > 1 && 'device' in opts.key && !names('device').some((n) => given.has(n))) {
            if (argv.shard !== undefined) {
                const e = new errors_1.SimError('USAGE', `--shard runs on one device and the config file lists ${c.devices.length}: give --device`);
                process.stderr.write(`rmalloc-sim: ${e.oneLine()}\n`);
                process.exit(e.exitCode);
            }
            runs = { devices: c.devices, at: 0, outputs: [], worst: 0, chunks: [] };
            beginDeviceRun(argv, names);
        }
        for (const [k, v] of Object.entries((0, index_1.configArgs)(c))) {
            if (!(k in opts.key))
                continue; // the command has no such option
            if (k === 'device' && runs)
                continue; // set per run above
            const ns = names(k);
            if (ns.some((n) => given.has(n)))
                continue;
            const isArray = opts.array.includes(k);
            const value = Array.isArray(v) && !isArray ? v[0] : v;
            for (const n of ns)
                argv[n] = value;
        }
    };
}
