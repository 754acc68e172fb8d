/**
 * Ctrl-C and SIGTERM stop a long replay (issue 15: the replay loop used to run to its end
 * before the signal handler could run). The real program is spawned, signalled once it is
 * replaying, and must exit promptly with 130 / 143, one line on stderr, and no report file or
 * temporary file left behind.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawn } from 'node:child_process';
import { cliPackage, syntheticTrace, tempDir } from './cli-spawn';

interface Ended {
  code: number | null;
  stdout: string;
  stderr: string;
  /** Whether the process had to be killed because it ignored the signal. */
  hung: boolean;
}

/**
 * Spawns `rmalloc-sim ...args`, sends `sig` once `ready` holds for its output (then waits
 * `afterMs`), and waits for the exit; a process still alive LIMIT_MS after the signal is killed
 * (hung: true) so a regression fails instead of hanging the suite.
 */
function interrupt(args: string[], sig: NodeJS.Signals, ready: (out: { stdout: string; stderr: string }) => boolean, env: Record<string, string> = {}): Promise<Ended> {
  const LIMIT_MS = 20_000;
  return new Promise((resolve, reject) => {
    const e: Record<string, string | undefined> = { ...process.env, ...env };
    if (!env.LOG_LEVEL) delete e.LOG_LEVEL;
    const p = spawn(process.execPath, [path.join(cliPackage(), 'dist', 'cli.js'), ...args], { cwd: tempDir('rmalloc-int-cwd-'), env: e });
    const out = { stdout: '', stderr: '' };
    let sent = false;
    let hung = false;
    let killer: NodeJS.Timeout | undefined;
    const check = (): void => {
      if (sent || !ready(out)) return;
      sent = true;
      setTimeout(() => {
        p.kill(sig);
        killer = setTimeout(() => {
          hung = true;
          p.kill('SIGKILL');
        }, LIMIT_MS);
      }, 300);
    };
    p.stdout.on('data', (d: Buffer) => {
      out.stdout += d.toString();
      check();
    });
    p.stderr.on('data', (d: Buffer) => {
      out.stderr += d.toString();
      check();
    });
    p.on('error', reject);
    p.on('close', (code) => {
      if (killer) clearTimeout(killer);
      resolve({ code, hung, ...out });
    });
  });
}

/** stderr without pino's JSON log lines. */
const messages = (stderr: string): string[] => stderr.split('\n').filter((l) => l !== '' && !l.startsWith('{'));

test('SIGINT stops a long soak: exit 130 and one line', async () => {
  // 50M checked ops take minutes; the signal comes once the soak has printed its first line.
  const r = await interrupt(['soak', '-a', 'tlsf', '--ops', '50M', '--seed', '1'], 'SIGINT', (o) => o.stdout.includes('\n'));
  assert.not.ok(r.hung, 'the soak ignored SIGINT');
  assert.is(r.code, 130);
  assert.equal(messages(r.stderr), ['rmalloc-sim: interrupted by SIGINT; no partial output left behind']);
});

test('SIGTERM stops a long run in its replay: exit 143, one line, no report and no temporary file', async () => {
  const dir = tempDir('rmalloc-int-');
  const trace = path.join(dir, 'long.trace');
  fs.writeFileSync(trace, syntheticTrace(60_000, 3));
  const json = path.join(dir, 'out.json');
  // The whole heap checked after every op: a replay of minutes. The debug line says the
  // replay is about to start (after the trace's first pass).
  const r = await interrupt(
    ['run', '-d', 'nds', '-a', 'first-fit', '-t', trace, '--check', '--check-every', '1', '--json', json],
    'SIGTERM',
    (o) => o.stderr.includes('run: streaming the trace'),
    { LOG_LEVEL: 'debug' },
  );
  assert.not.ok(r.hung, 'the run ignored SIGTERM');
  assert.is(r.code, 143);
  assert.equal(messages(r.stderr), ['rmalloc-sim: interrupted by SIGTERM; no partial output left behind']);
  assert.equal(fs.readdirSync(dir), ['long.trace'], 'no report, no temporary file');
});

test.run();
