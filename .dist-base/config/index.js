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
exports.configSchema = exports.CONFIG_FILE = void 0;
exports.parseConfig = parseConfig;
exports.loadConfig = loadConfig;
exports.configArgs = configArgs;
exports.useConfig = useConfig;
/**
 * The config file: `rmalloc-sim.json` in the current folder, or the file `--config F` names. It
 * says what a team checks into its firmware repository and reruns in CI: devices, traces,
 * allocators with their parameters (tuned ones, C allocators), the goal and the run policies.
 *
 *   {
 *     "devices": ["nds", "boards/my-board.json"],
 *     "traces": ["traces/", "extra/boot.trace.gz"],
 *     "allocators": ["tlsf", { "name": "slab", "params": { "classes": "16,48,128" } }, { "file": "alloc/mine.c" }],
 *     "goal": "space",
 *     "policies": { "oom": "fail", "locks": "none", "seed": 1, "compactAbove": 0.25 },
 *     "jobs": 2
 *   }
 *
 * Every command reads it (a yargs middleware, src/cli.ts): each option the command has and the
 * command line does not give is taken from the file; flags always win. Paths in the file are
 * relative to the file's folder. With several devices listed, a command that takes a device runs
 * once per device (src/config/cli.ts) unless `--device` picks one. A command that runs on one
 * allocator takes the first one listed (`--allocator` chooses another). Allocator parameters apply to
 * that allocator only, above its device profile's values and below `--param` flags.
 *
 * Validated with zod, `.strict()`: an unknown field, a wrong type or value is one line naming
 * the file, the line and the field, exit 2.
 */
const fs = __importStar(require("node:fs"));
const path = __importStar(require("node:path"));
const zod_1 = require("zod");
const errors_1 = require("../errors");
const device_1 = require("../device");
const jsonpos_1 = require("../device/jsonpos");
exports.CONFIG_FILE = 'rmalloc-sim.json';
const paramValue = zod_1.z.union([zod_1.z.string(), zod_1.z.number(), zod_1.z.boolean()]);
const runSettings = zod_1.z
    .object({
    oom: zod_1.z.enum(['fail', 'compact', 'abort']).optional(),
    locks: zod_1.z.string().optional(),
    seed: zod_1.z.number().int().optional(),
    compactEvery: zod_1.z.number().int().positive().optional(),
    compactAbove: zod_1.z.number().min(0).max(1).optional(),
    compactBudget: zod_1.z.number().int().positive().optional(),
})
    .strict();
const allocatorEntry = zod_1.z.union([
    zod_1.z.string().min(1),
    zod_1.z
        .object({
        name: zod_1.z.string().min(1).optional(),
        /** A C source or .wasm file (a user allocator). */
        file: zod_1.z.string().min(1).optional(),
        params: zod_1.z.record(zod_1.z.string(), paramValue).optional(),
        /** Run settings of a tuned allocator (compaction triggers); used when it runs alone. */
        run: runSettings.omit({ oom: true, locks: true, seed: true }).optional(),
    })
        .strict(),
]);
exports.configSchema = zod_1.z
    .object({
    $schema: zod_1.z.string().optional(),
    description: zod_1.z.string().optional(),
    devices: zod_1.z.array(zod_1.z.string().min(1)).min(1).optional(),
    traces: zod_1.z.array(zod_1.z.string().min(1)).min(1).optional(),
    allocators: zod_1.z.array(allocatorEntry).min(1).optional(),
    goal: zod_1.z.enum(['balanced', 'space', 'speed', 'realtime']).optional(),
    policies: runSettings.optional(),
    jobs: zod_1.z.number().int().positive().optional(),
    budget: zod_1.z.number().int().positive().optional(),
})
    .strict();
function kindOf(v) {
    if (v === null)
        return 'null';
    if (Array.isArray(v))
        return 'an array';
    return typeof v === 'object' ? 'an object' : `${typeof v} ${JSON.stringify(v)}`;
}
function valueAt(raw, p) {
    let cur = raw;
    for (const k of p)
        cur = cur !== null && typeof cur === 'object' ? cur[k] : undefined;
    return cur;
}
/** Parses and validates config text; errors name `file`, the line and the field. */
function parseConfig(text, file) {
    const parsed = (0, jsonpos_1.parseJsonText)(text);
    if (!parsed.ok)
        throw new errors_1.SimError('USAGE', `config: not valid JSON: ${parsed.message}`, { file, line: parsed.line });
    const raw = parsed.value;
    const r = exports.configSchema.safeParse(raw);
    if (!r.success) {
        // The deepest issue names the field best (a union reports its branches' issues inside).
        let issue = r.error.issues[0];
        if (issue.code === 'invalid_union') {
            const inner = issue.errors;
            const obj = inner.find((b) => b.some((x) => x.code !== 'invalid_type' || x.path.length > 0)) ?? inner[0];
            if (obj && obj[0])
                issue = { ...obj[0], path: [...issue.path, ...obj[0].path] };
        }
        let p = [...issue.path];
        let msg = issue.message;
        if (issue.code === 'unrecognized_keys') {
            p = [...p, issue.keys[0]];
            msg = `unknown field${issue.keys.length > 1 ? ` (also ${issue.keys.slice(1).join(', ')})` : ''}`;
        }
        else if (issue.code === 'invalid_type')
            msg = `expected ${issue.expected}, got ${kindOf(valueAt(raw, p))}`;
        else if (issue.code === 'invalid_value')
            msg = `${msg.replace(/^Invalid option: /, '')}, got ${kindOf(valueAt(raw, p))}`;
        let lines;
        try {
            lines = (0, jsonpos_1.jsonLines)(text);
        }
        catch {
            lines = undefined;
        }
        throw new errors_1.SimError('USAGE', `config: ${(0, jsonpos_1.formatPath)(p) || '(top level)'}: ${msg}`, { file, line: (0, jsonpos_1.lineOf)(lines, p) });
    }
    const c = r.data;
    const dir = path.dirname(path.resolve(file));
    const abs = (p) => (path.isAbsolute(p) ? p : path.join(dir, p));
    const isPath = (s) => s.includes('/') || s.includes(path.sep) || /\.(json|c|wasm)$/.test(s);
    const out = { file, params: {}, policies: { ...(c.policies ?? {}) } };
    if (c.devices)
        out.devices = c.devices.map((d) => (isPath(d) ? abs(d) : d));
    if (c.traces)
        out.traces = c.traces.map(abs);
    if (c.allocators) {
        out.allocators = [];
        c.allocators.forEach((a, i) => {
            if (typeof a === 'string') {
                out.allocators.push(isPath(a) ? abs(a) : a);
                return;
            }
            const where = { file, line: (0, jsonpos_1.lineOf)(safeLines(text), ['allocators', i]) };
            if (a.name === undefined && a.file === undefined)
                throw new errors_1.SimError('USAGE', `config: allocators[${i}]: give a "name" or a "file"`, where);
            const id = a.file !== undefined ? abs(a.file) : a.name;
            out.allocators.push(id);
            if (a.params)
                out.params[a.name ?? id] = a.params;
            if (a.run) {
                if (c.allocators.length > 1)
                    throw new errors_1.SimError('USAGE', `config: allocators[${i}].run: run settings of one allocator need it to be the only one listed (put shared ones in "policies")`, where);
                Object.assign(out.policies, a.run);
            }
        });
    }
    if (c.goal)
        out.goal = c.goal;
    if (c.jobs !== undefined)
        out.jobs = c.jobs;
    if (c.budget !== undefined)
        out.budget = c.budget;
    return out;
}
function safeLines(text) {
    try {
        return (0, jsonpos_1.jsonLines)(text);
    }
    catch {
        return undefined;
    }
}
/** Loads `file`; when `explicit` is false, a missing file is no config (undefined). */
function loadConfig(file, explicit) {
    let text;
    try {
        text = fs.readFileSync(file, 'utf8');
    }
    catch (e) {
        if (e.code === 'ENOENT') {
            if (!explicit)
                return undefined;
            throw new errors_1.SimError('USAGE', 'no such config file', { file });
        }
        throw new errors_1.SimError('IO', `cannot read config file: ${e.message}`, { file });
    }
    return parseConfig(text, file);
}
/** The config's values as command options (yargs keys), for the options a command has. */
function configArgs(c) {
    const o = {};
    if (c.devices)
        o.device = c.devices[0];
    if (c.traces)
        o.trace = c.traces;
    if (c.allocators)
        o.allocator = c.allocators;
    if (c.goal)
        o.goal = c.goal;
    const p = c.policies;
    if (p.oom)
        o.oom = p.oom;
    if (p.locks)
        o.locks = p.locks;
    if (p.seed !== undefined)
        o.seed = p.seed;
    if (p.compactEvery !== undefined)
        o['compact-every'] = p.compactEvery;
    if (p.compactAbove !== undefined)
        o['compact-above'] = p.compactAbove;
    if (p.compactBudget !== undefined)
        o['compact-budget'] = p.compactBudget;
    if (c.jobs !== undefined)
        o.jobs = c.jobs;
    if (c.budget !== undefined)
        o.budget = c.budget;
    return o;
}
// ---- the config's allocator parameters, in every device the process loads ------------------
/**
 * Makes `c` the config in force for this process (the CLI middleware calls it): its allocator
 * parameters are merged over every loaded device profile's own (config > device profile;
 * --param flags still win, resolveParams applies them later).
 */
function useConfig(c) {
    if (!c || Object.keys(c.params).length === 0) {
        (0, device_1.setAllocatorOverlay)(undefined);
        return;
    }
    (0, device_1.setAllocatorOverlay)((fromDevice) => {
        const out = { ...(fromDevice ?? {}) };
        for (const [name, params] of Object.entries(c.params))
            out[name] = { ...(out[name] ?? {}), ...params };
        return out;
    });
}
