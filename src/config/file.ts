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
 * once per device (./cli.ts) unless `--device` picks one. A command that runs on one
 * allocator takes the first one listed (`--allocator` chooses another). Allocator parameters apply to
 * that allocator only, above its device profile's values and below `--param` flags.
 *
 * Validated with zod, `.strict()`: an unknown field, a wrong type or value is one line naming
 * the file, the line and the field, exit 2.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { z } from 'zod';
import { SimError } from '../errors';
import { setAllocatorOverlay, formatPath, jsonLines, lineOf, parseJsonText } from '../device';

export const CONFIG_FILE = 'rmalloc-sim.json';

const paramValue = z.union([z.string(), z.number(), z.boolean()]);
const runSettings = z
  .object({
    oom: z.enum(['fail', 'compact', 'abort']).optional(),
    locks: z.string().optional(),
    seed: z.number().int().optional(),
    compactEvery: z.number().int().positive().optional(),
    compactAbove: z.number().min(0).max(1).optional(),
    compactBudget: z.number().int().positive().optional(),
  })
  .strict();
const allocatorEntry = z.union([
  z.string().min(1),
  z
    .object({
      name: z.string().min(1).optional(),
      /** A C source or .wasm file (a user allocator). */
      file: z.string().min(1).optional(),
      params: z.record(z.string(), paramValue).optional(),
      /** Run settings of a tuned allocator (compaction triggers); used when it runs alone. */
      run: runSettings.omit({ oom: true, locks: true, seed: true }).optional(),
    })
    .strict(),
]);

export const configSchema = z
  .object({
    $schema: z.string().optional(),
    description: z.string().optional(),
    devices: z.array(z.string().min(1)).min(1).optional(),
    traces: z.array(z.string().min(1)).min(1).optional(),
    allocators: z.array(allocatorEntry).min(1).optional(),
    goal: z.enum(['balanced', 'space', 'speed', 'realtime']).optional(),
    policies: runSettings.optional(),
    jobs: z.number().int().positive().optional(),
    budget: z.number().int().positive().optional(),
  })
  .strict();

export type ConfigFile = z.infer<typeof configSchema>;

/** A loaded config: the file's values with paths made absolute, and the allocator parameters. */
export interface Config {
  file: string;
  devices?: string[];
  traces?: string[];
  /** Names or C/wasm file paths, in order. */
  allocators?: string[];
  /** Parameters per allocator name (or file path), for the device overlay. */
  params: Record<string, Record<string, string | number | boolean>>;
  goal?: string;
  policies: z.infer<typeof runSettings>;
  jobs?: number;
  budget?: number;
}

function kindOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  return typeof v === 'object' ? 'an object' : `${typeof v} ${JSON.stringify(v)}`;
}

function valueAt(raw: unknown, p: readonly PropertyKey[]): unknown {
  let cur: unknown = raw;
  for (const k of p) cur = cur !== null && typeof cur === 'object' ? (cur as Record<PropertyKey, unknown>)[k] : undefined;
  return cur;
}

/** Parses and validates config text; errors name `file`, the line and the field. */
export function parseConfig(text: string, file: string): Config {
  const parsed = parseJsonText(text);
  if (!parsed.ok) throw new SimError('USAGE', `config: not valid JSON: ${parsed.message}`, { file, line: parsed.line });
  const raw = parsed.value;
  const r = configSchema.safeParse(raw);
  if (!r.success) {
    // The deepest issue names the field best (a union reports its branches' issues inside).
    let issue = r.error.issues[0]!;
    if (issue.code === 'invalid_union') {
      const inner = (issue as unknown as { errors: { path: PropertyKey[]; code: string; message: string; keys?: string[]; expected?: string }[][] }).errors;
      const obj = inner.find((b) => b.some((x) => x.code !== 'invalid_type' || x.path.length > 0)) ?? inner[0];
      if (obj && obj[0]) issue = { ...obj[0], path: [...issue.path, ...obj[0].path] } as typeof issue;
    }
    let p: PropertyKey[] = [...issue.path];
    let msg = issue.message;
    if (issue.code === 'unrecognized_keys') {
      p = [...p, issue.keys[0]!];
      msg = `unknown field${issue.keys.length > 1 ? ` (also ${issue.keys.slice(1).join(', ')})` : ''}`;
    } else if (issue.code === 'invalid_type') msg = `expected ${issue.expected}, got ${kindOf(valueAt(raw, p))}`;
    else if (issue.code === 'invalid_value') msg = `${msg.replace(/^Invalid option: /, '')}, got ${kindOf(valueAt(raw, p))}`;
    let lines: Map<string, number> | undefined;
    try {
      lines = jsonLines(text);
    } catch {
      lines = undefined;
    }
    throw new SimError('USAGE', `config: ${formatPath(p) || '(top level)'}: ${msg}`, { file, line: lineOf(lines, p) });
  }
  const c = r.data;
  const dir = path.dirname(path.resolve(file));
  const abs = (p: string): string => (path.isAbsolute(p) ? p : path.join(dir, p));
  const isPath = (s: string): boolean => s.includes('/') || s.includes(path.sep) || /\.(json|c|wasm)$/.test(s);
  const out: Config = { file, params: {}, policies: { ...(c.policies ?? {}) } };
  if (c.devices) out.devices = c.devices.map((d) => (isPath(d) ? abs(d) : d));
  if (c.traces) out.traces = c.traces.map(abs);
  if (c.allocators) {
    out.allocators = [];
    c.allocators.forEach((a, i) => {
      if (typeof a === 'string') {
        out.allocators!.push(isPath(a) ? abs(a) : a);
        return;
      }
      const where = { file, line: lineOf(safeLines(text), ['allocators', i]) };
      if (a.name === undefined && a.file === undefined)
        throw new SimError('USAGE', `config: allocators[${i}]: give a "name" or a "file"`, where);
      const id = a.file !== undefined ? abs(a.file) : a.name!;
      out.allocators!.push(id);
      if (a.params) out.params[a.name ?? id] = a.params;
      if (a.run) {
        if (c.allocators!.length > 1)
          throw new SimError('USAGE', `config: allocators[${i}].run: run settings of one allocator need it to be the only one listed (put shared ones in "policies")`, where);
        Object.assign(out.policies, a.run);
      }
    });
  }
  if (c.goal) out.goal = c.goal;
  if (c.jobs !== undefined) out.jobs = c.jobs;
  if (c.budget !== undefined) out.budget = c.budget;
  return out;
}

function safeLines(text: string): Map<string, number> | undefined {
  try {
    return jsonLines(text);
  } catch {
    return undefined;
  }
}

/** Loads `file`; when `explicit` is false, a missing file is no config (undefined). */
export function loadConfig(file: string, explicit: boolean): Config | undefined {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') {
      if (!explicit) return undefined;
      throw new SimError('USAGE', 'no such config file', { file });
    }
    throw new SimError('IO', `cannot read config file: ${(e as Error).message}`, { file });
  }
  return parseConfig(text, file);
}

/** The config's values as command options (yargs keys), for the options a command has. */
export function configArgs(c: Config): Record<string, unknown> {
  const o: Record<string, unknown> = {};
  if (c.devices) o.device = c.devices[0];
  if (c.traces) o.trace = c.traces;
  if (c.allocators) o.allocator = c.allocators;
  if (c.goal) o.goal = c.goal;
  const p = c.policies;
  if (p.oom) o.oom = p.oom;
  if (p.locks) o.locks = p.locks;
  if (p.seed !== undefined) o.seed = p.seed;
  if (p.compactEvery !== undefined) o['compact-every'] = p.compactEvery;
  if (p.compactAbove !== undefined) o['compact-above'] = p.compactAbove;
  if (p.compactBudget !== undefined) o['compact-budget'] = p.compactBudget;
  if (c.jobs !== undefined) o.jobs = c.jobs;
  if (c.budget !== undefined) o.budget = c.budget;
  return o;
}

// ---- the config's allocator parameters, in every device the process loads ------------------

/**
 * Makes `c` the config in force for this process (the CLI middleware calls it): its allocator
 * parameters are merged over every loaded device profile's own (config > device profile;
 * --param flags still win, resolveParams applies them later).
 */
export function useConfig(c: Config | undefined): void {
  if (!c || Object.keys(c.params).length === 0) {
    setAllocatorOverlay(undefined);
    return;
  }
  setAllocatorOverlay((fromDevice) => {
    const out: NonNullable<typeof fromDevice> = { ...(fromDevice ?? {}) };
    for (const [name, params] of Object.entries(c.params)) out[name] = { ...(out[name] ?? {}), ...params };
    return out;
  });
}
