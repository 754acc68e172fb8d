/**
 * Helper of the CLI spawn tests (tests/cli-*.test.ts; not a test itself).
 *
 * The tests run the real program as a child process and check stdout, stderr and the exit code
 * separately. Spawning `node -r ts-node/register src/cli.ts` costs ~1.5 s per call, so instead the
 * sources are transpiled once per test process (TypeScript's transpileModule: no type check, a
 * second or two) into a temporary folder laid out like the package:
 *   <tmp>/dist/...            compiled src/ (so the worker pool takes its dist/sim/worker.js path)
 *   <tmp>/devices, <tmp>/firmware-traces, <tmp>/include, <tmp>/node_modules, <tmp>/scripts -> symlinks
 * and each call spawns `node <tmp>/dist/cli.js` (~0.3 s).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import * as ts from 'typescript';

const ROOT = path.resolve(__dirname, '..');
let built: string | undefined;

function transpileTree(srcDir: string, outDir: string): void {
  for (const ent of fs.readdirSync(srcDir, { withFileTypes: true })) {
    const from = path.join(srcDir, ent.name);
    if (ent.isDirectory()) {
      transpileTree(from, path.join(outDir, ent.name));
      continue;
    }
    if (!ent.name.endsWith('.ts') || ent.name.endsWith('.d.ts')) continue;
    fs.mkdirSync(outDir, { recursive: true });
    const out = ts.transpileModule(fs.readFileSync(from, 'utf8'), {
      fileName: from,
      compilerOptions: {
        module: ts.ModuleKind.CommonJS,
        target: ts.ScriptTarget.ES2022,
        esModuleInterop: true,
      },
    });
    fs.writeFileSync(path.join(outDir, ent.name.replace(/\.ts$/, '.js')), out.outputText);
  }
}

/** The temporary package folder (built on first use, removed when the process exits). */
export function cliPackage(): string {
  if (built) return built;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rmalloc-cli-test-'));
  transpileTree(path.join(ROOT, 'src'), path.join(dir, 'dist'));
  for (const link of ['devices', 'firmware-traces', 'include', 'node_modules', 'scripts'])
    if (fs.existsSync(path.join(ROOT, link))) fs.symlinkSync(path.join(ROOT, link), path.join(dir, link));
  process.on('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
  built = dir;
  return dir;
}

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `rmalloc-sim ...args` with stdout and stderr piped (so neither is a terminal). */
export function cli(args: readonly string[], opts: { cwd?: string; env?: Record<string, string> } = {}): CliResult {
  const pkg = cliPackage();
  const env: Record<string, string | undefined> = { ...process.env, ...opts.env };
  delete env.LOG_LEVEL;
  const r = spawnSync(process.execPath, [path.join(pkg, 'dist', 'cli.js'), ...args], {
    cwd: opts.cwd ?? os.tmpdir(),
    encoding: 'utf8',
    env,
    maxBuffer: 64 * 1024 * 1024,
  });
  if (r.error) throw r.error;
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** A temporary folder for traces and report files, removed at exit. */
export function tempDir(prefix: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  process.on('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/**
 * A small deterministic native trace: `n` ops of allocations (sizes from a fixed cycle) and
 * frees of earlier ids, so it fragments a little. Returns the text.
 */
export function syntheticTrace(n: number, seed = 1): string {
  const sizes = [8, 24, 40, 64, 100, 256, 600, 1500];
  const lines = ['# synthetic CLI test trace'];
  const live: number[] = [];
  let s = seed >>> 0;
  const rnd = (): number => {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    return s / 2 ** 32;
  };
  let id = 0;
  for (let i = 0; i < n; i++) {
    if (live.length > 0 && rnd() < 0.4) {
      const j = Math.floor(rnd() * live.length);
      lines.push(`f ${live[j]}`);
      live.splice(j, 1);
    } else {
      lines.push(`a ${id} ${sizes[Math.floor(rnd() * sizes.length)]}`);
      live.push(id++);
    }
  }
  return lines.join('\n') + '\n';
}
