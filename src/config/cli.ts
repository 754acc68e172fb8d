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
import * as path from 'node:path';
import type { Argv } from 'yargs';
import { SimError } from '../errors';
import { captureStdout, type StdoutCapture } from '../util';
import { CONFIG_FILE, configArgs, loadConfig, useConfig } from './file';

/** The options the command line gave, by every name they go by (before any `--`). */
function givenOnCommandLine(raw: readonly string[]): Set<string> {
  const out = new Set<string>();
  for (const tok of raw) {
    if (tok === '--') break;
    const m = /^--?(?:no-)?([^=]+)/.exec(tok);
    if (!m || /^-\d/.test(tok)) continue;
    if (tok.startsWith('--')) out.add(m[1]!);
    else for (const ch of m[1]!) out.add(ch); // -ad: short flags may be grouped
  }
  return out;
}

const camel = (s: string): string => s.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());

// ---- several devices: one run per device --------------------------------------------------

/** Options naming a file the command writes, and the ones naming a folder. */
const OUTPUT_FILES = ['json', 'csv', 'svg', 'animate', 'output'];
const OUTPUT_DIRS = ['svg-dir', 'frames'];

interface DeviceRuns {
  devices: string[];
  /** Index of the device running now. */
  at: number;
  outputs: { device: string; text: string }[];
  worst: number;
  /** The running device's stdout, held until every device has run. */
  capture?: StdoutCapture;
}
let runs: DeviceRuns | undefined;

/** `report.html` -> `report.nds.html`; `out.trace.gz`-style double extensions keep theirs. */
export function perDevicePath(file: string, device: string, folder: boolean): string {
  const tag = path.basename(device).replace(/\.json$/i, '');
  if (folder) return path.join(file, tag);
  const dir = path.dirname(file);
  const base = path.basename(file);
  const dot = base.indexOf('.', 1);
  return path.join(dir, dot < 0 ? `${base}.${tag}` : `${base.slice(0, dot)}.${tag}${base.slice(dot)}`);
}

function beginDeviceRun(argv: Record<string, unknown>, names: (k: string) => string[]): void {
  const r = runs!;
  const device = r.devices[r.at]!;
  for (const n of names('device')) argv[n] = device;
  for (const k of [...OUTPUT_FILES, ...OUTPUT_DIRS]) {
    const v = argv[k];
    if (typeof v !== 'string' || v === '' || v === '-') continue; // stdout stays stdout
    const p = perDevicePath(v, device, OUTPUT_DIRS.includes(k));
    for (const n of names(k)) argv[n] = p;
  }
  r.capture = captureStdout();
}

/**
 * Called by src/cli.ts after each run: the arguments of the next device's run, or undefined
 * when there is none (after printing every device's output and setting the worst exit code).
 */
export function nextDeviceRun(args: readonly string[]): string[] | undefined {
  const r = runs;
  if (!r) return undefined;
  const text = r.capture?.text() ?? '';
  r.capture?.restore();
  r.capture = undefined;
  r.outputs.push({ device: r.devices[r.at]!, text });
  const code = typeof process.exitCode === 'number' ? process.exitCode : 0;
  r.worst = Math.max(r.worst, code);
  process.exitCode = 0;
  if (code !== 2 && ++r.at < r.devices.length) return [...args, '--device', r.devices[r.at]!];
  runs = undefined;
  process.exitCode = r.worst;
  process.stdout.write(joinDeviceOutputs(r.outputs));
  return undefined;
}

/** Each device's stdout under a heading, or one JSON object when every run printed JSON. */
export function joinDeviceOutputs(outputs: { device: string; text: string }[]): string {
  const printed = outputs.filter((o) => o.text.trim() !== '');
  if (printed.length === 0) return '';
  const parsed = printed.map((o) => {
    try {
      return { device: o.device, result: JSON.parse(o.text) as unknown };
    } catch {
      return undefined;
    }
  });
  if (parsed.every((p) => p !== undefined)) return JSON.stringify({ devices: parsed }, null, 2) + '\n';
  return printed.map((o) => `== device ${o.device} ==\n${o.text.endsWith('\n') ? o.text : o.text + '\n'}`).join('\n');
}

export function configMiddleware(raw: readonly string[]) {
  return (argv: Record<string, unknown>, y: Argv): void => {
    const explicit = argv.config !== undefined;
    let c;
    try {
      c = loadConfig(explicit ? String(argv.config) : CONFIG_FILE, explicit);
    } catch (e) {
      // Middleware runs outside the command handlers: print the one line here.
      if (!(e instanceof SimError)) throw e;
      process.stderr.write(`rmalloc-sim: ${e.oneLine()}\n`);
      process.exit(e.exitCode);
    }
    useConfig(c);
    if (!c) return;
    const opts = (y as unknown as { getOptions(): { key: Record<string, unknown>; alias: Record<string, string[]>; array: string[] } }).getOptions();
    const given = givenOnCommandLine(raw);
    const names = (k: string): string[] => [k, camel(k), ...(opts.alias[k] ?? [])];
    if (runs) {
      beginDeviceRun(argv, names); // a rerun of nextDeviceRun: its --device is ours
    } else if (c.devices && c.devices.length > 1 && 'device' in opts.key && !names('device').some((n) => given.has(n))) {
      if (argv.shard !== undefined) {
        const e = new SimError('USAGE', `--shard runs on one device and the config file lists ${c.devices.length}: give --device`);
        process.stderr.write(`rmalloc-sim: ${e.oneLine()}\n`);
        process.exit(e.exitCode);
      }
      runs = { devices: c.devices, at: 0, outputs: [], worst: 0 };
      beginDeviceRun(argv, names);
    }
    for (const [k, v] of Object.entries(configArgs(c))) {
      if (!(k in opts.key)) continue; // the command has no such option
      if (k === 'device' && runs) continue; // set per run above
      const ns = names(k);
      if (ns.some((n) => given.has(n))) continue;
      const isArray = opts.array.includes(k);
      const value = Array.isArray(v) && !isArray ? v[0] : v;
      for (const n of ns) argv[n] = value;
    }
  };
}
