/**
 * Issue 15 items 1, 3, 4 and 5, as a user (or an adversary) meets them: the real CLI in a child
 * process. Each test states the rule it checks.
 *  1. Nothing lost: convert never destroys its input; outputs appear whole or not at all; a
 *     trace cut short is an error, never a valid shorter trace.
 *  3. Signals: SIGINT/SIGTERM leave no temporary files and exit 130/143.
 *  4. No stack traces: system errors, FIFOs, pipes and bad numbers are one line, exit 2.
 *  5. Unbounded input: long lines are bounded, echoed text is escaped and cut, a BOM is fine.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { cli, cliPackage, syntheticTrace, tempDir } from './cli-spawn';
import { loadTrace, writeTrace, traceFromText } from '../src/trace';
import { SimError } from '../src/errors';

const ROOT = path.join(__dirname, '..');
const BUSYBOX = path.join(ROOT, 'firmware-traces', 'busybox-sh.trace.gz');
const tmp = tempDir('rmalloc-rel-io-');
let n = 0;
/** A fresh folder under tmp for one test. */
function dir(): string {
  const d = path.join(tmp, `t${n++}`);
  fs.mkdirSync(d);
  return d;
}

/** One line on stderr, `rmalloc-sim: ... (CODE)`, and no stack trace. */
function oneLine(stderr: string, code: string): void {
  const lines = stderr.trimEnd().split('\n');
  assert.is(lines.length, 1, stderr);
  assert.match(lines[0]!, /^rmalloc-sim: /);
  assert.ok(lines[0]!.endsWith(`(${code})`), stderr);
  assert.not.match(stderr, /    at /);
}

/** Reads a trace in this process; the SimError's one line (as the CLI prints it) or 'ok'. */
async function readLine(file: string): Promise<string> {
  try {
    await loadTrace(file);
    return 'ok';
  } catch (e) {
    if (e instanceof SimError) return `rmalloc-sim: ${e.oneLine()}`;
    throw e;
  }
}

/** Files in d whose names end in .tmp. */
function temps(d: string): string[] {
  return fs.readdirSync(d).filter((f) => f.endsWith('.tmp'));
}

function start(args: string[], env: Record<string, string> = {}, stdio: ('pipe' | 'ignore')[] = ['pipe', 'pipe', 'pipe']): ChildProcess {
  return spawn(process.execPath, [path.join(cliPackage(), 'dist', 'cli.js'), ...args], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio,
  });
}

function exited(p: ChildProcess): Promise<{ code: number | null; signal: string | null; stderr: string }> {
  let stderr = '';
  p.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((res) => p.on('close', (code, signal) => res({ code, signal, stderr })));
}

/** Resolves once `cond()` holds (polled), or after `limitMs` with false. */
async function until(cond: () => boolean, limitMs = 20000): Promise<boolean> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > limitMs) return false;
    await new Promise((r) => setTimeout(r, 2));
  }
  return true;
}

// ---- 1. nothing lost ---------------------------------------------------------------------

const lost = suite('1. nothing lost');

lost('convert IN IN: refused in one line (exit 2), the input byte-for-byte unchanged (gzip and plain)', () => {
  const d = dir();
  const gz = path.join(d, 'x.gz');
  fs.copyFileSync(BUSYBOX, gz);
  const plain = path.join(d, 'x.trace');
  fs.writeFileSync(plain, zlib.gunzipSync(fs.readFileSync(BUSYBOX)));
  for (const f of [gz, plain]) {
    const before = fs.readFileSync(f);
    const r = cli(['trace', 'convert', f, f]);
    assert.is(r.code, 2, r.stderr);
    oneLine(r.stderr, 'USAGE');
    assert.ok(fs.readFileSync(f).equals(before), `${f} changed`);
  }
  assert.equal(temps(d), []);
});

lost('convert through a symlink, a hard link or ../ to the input: refused (same inode), input unchanged', () => {
  const d = dir();
  const src = path.join(d, 'x.trace');
  fs.writeFileSync(src, syntheticTrace(200));
  const before = fs.readFileSync(src);
  fs.symlinkSync(src, path.join(d, 'sym.trace'));
  fs.linkSync(src, path.join(d, 'hard.trace'));
  fs.mkdirSync(path.join(d, 'sub'));
  for (const out of ['sym.trace', 'hard.trace', path.join('sub', '..', 'x.trace')]) {
    const r = cli(['trace', 'convert', src, path.join(d, out)]);
    assert.is(r.code, 2, `${out}: ${r.stderr}`);
    oneLine(r.stderr, 'USAGE');
    assert.ok(fs.readFileSync(src).equals(before), `input changed via ${out}`);
  }
});

lost('convert of a bad input leaves an existing OUT as it was and no temporary file', () => {
  const d = dir();
  const bad = path.join(d, 'bad.trace');
  fs.writeFileSync(bad, syntheticTrace(300) + 'a 9999 banana\n');
  const out = path.join(d, 'out.trace');
  fs.writeFileSync(out, 'precious\n');
  const r = cli(['trace', 'convert', bad, out]);
  assert.is(r.code, 2, r.stderr);
  oneLine(r.stderr, 'TRACE_SYNTAX');
  assert.is(fs.readFileSync(out, 'utf8'), 'precious\n');
  assert.equal(temps(d), []);
});

lost('a written trace ends with "# end: N ops"; cut at any line boundary it is TRACE_TRUNCATED, never a shorter valid trace', async () => {
  const d = dir();
  const t = traceFromText(syntheticTrace(400));
  const out = path.join(d, 'out.trace');
  assert.is(await writeTrace(out, ['program: test'], t.ops), 400);
  const text = fs.readFileSync(out, 'utf8');
  assert.match(text, /\n# end: 400 ops\n$/);
  assert.is(await readLine(out), 'ok');
  const lines = text.split('\n');
  const cut = path.join(d, 'cut.trace');
  // Cut after the header, in the middle, just before the trailer.
  for (const keep of [3, 200, lines.length - 2]) {
    fs.writeFileSync(cut, lines.slice(0, keep).join('\n') + '\n');
    const l = await readLine(cut);
    assert.ok(l.endsWith('(TRACE_TRUNCATED)'), `${keep} lines: ${l}`);
    assert.match(l, /incomplete trace/);
  }
  // A cut gzip copy (a complete gzip stream of a cut text), and the CLI's exit code for one.
  const cutGz = path.join(d, 'cut.trace.gz');
  fs.writeFileSync(cutGz, zlib.gzipSync(Buffer.from(lines.slice(0, 100).join('\n') + '\n')));
  const c = cli(['run', '-a', 'first-fit', '-t', cutGz]);
  assert.is(c.code, 2);
  oneLine(c.stderr, 'TRACE_TRUNCATED');
  assert.is(c.stdout, '');
});

lost('the trailer is checked: a wrong count, an op after it, a second trailer are errors; traces without the promise still read', async () => {
  const d = dir();
  const f = path.join(d, 't.trace');
  const cases: [string, RegExp][] = [
    ['a 1 8\nf 1\n# end: 3 ops\n', /:3: the trace ends with "# end: 3 ops" but holds 2 ops .*\(TRACE_TRUNCATED\)$/],
    ['a 1 8\n# end: 1 ops\nf 1\n', /:3: an op after the closing "# end: 1 ops" of line 2/],
    ['a 1 8\n# end: 1 ops\n# end: 1 ops\n', /:3: a second "# end:" line/],
  ];
  for (const [text, re] of cases) {
    fs.writeFileSync(f, text);
    assert.match(await readLine(f), re);
  }
  fs.writeFileSync(f, '# an old trace, no promise\na 1 8\nf 1\n');
  assert.is(await readLine(f), 'ok');
  assert.is((await loadTrace(f)).ops.n, 2);
});

// ---- 3. signals ----------------------------------------------------------------------------

const sig = suite('3. signals');

sig('SIGINT while a trace is read from stdin: exit 130, the spooled copy removed, no OUT, no temporary file', async () => {
  const d = dir();
  const priv = path.join(d, 'tmpdir');
  fs.mkdirSync(priv);
  const out = path.join(d, 'out.trace');
  const p = start(['trace', 'convert', '-', out], { TMPDIR: priv });
  const done = exited(p);
  p.stdin!.write(syntheticTrace(2000)); // stdin stays open: the program waits for more
  assert.ok(await until(() => fs.readdirSync(priv).some((f) => f.startsWith('rmalloc-sim-in-'))), 'spool never started');
  p.kill('SIGINT');
  const r = await done;
  assert.is(r.code, 130, r.stderr);
  assert.match(r.stderr, /interrupted by SIGINT/);
  assert.equal(fs.readdirSync(priv), []);
  assert.equal(fs.readdirSync(d), ['tmpdir']);
});

sig('SIGTERM while convert writes OUT: exit 143 and no .PID.tmp left (or, if it finished first, OUT complete)', async () => {
  const d = dir();
  const src = path.join(d, 'big.trace');
  fs.writeFileSync(src, syntheticTrace(100000));
  const out = path.join(d, 'out.trace.gz');
  const p = start(['trace', 'convert', src, out]);
  const done = exited(p);
  const tmpName = path.join(d, `.out.trace.gz.${p.pid}.tmp`);
  let finished = false;
  void done.then(() => (finished = true));
  await until(() => fs.existsSync(tmpName) || finished);
  p.kill('SIGTERM');
  const r = await done;
  assert.equal(temps(d), []);
  if (r.code === 0) {
    assert.ok(fs.existsSync(out)); // finished before the signal: whole
    assert.is(cli(['trace', 'stats', out]).code, 0);
  } else {
    assert.is(r.code, 143, r.stderr);
    assert.not.ok(fs.existsSync(out));
  }
});

sig('SIGINT during compare --svg-dir: no .tmp files; the charts are all there or none', async () => {
  const d = dir();
  const small = ['busybox-sh', 'bzip2-9', 'djpeg-small'];
  const traces = small.flatMap((t) => ['-t', path.join(ROOT, 'firmware-traces', `${t}.trace.gz`)]);
  const p = start(['compare', '--no-min-heap', '-a', 'first-fit', '-a', 'tlsf', '-a', 'buddy', '-a', 'slab', ...traces, '--svg-dir', d, '--jobs', '1']);
  const done = exited(p);
  let finished = false;
  void done.then(() => (finished = true));
  await until(() => temps(d).length > 0 || finished, 120000);
  p.kill('SIGINT');
  const r = await done;
  assert.equal(temps(d), []);
  assert.ok(r.code === 130 || r.code === 0, `exit ${r.code} ${r.signal}: ${r.stderr}`);
  const svgs = fs.readdirSync(d).filter((f) => f.endsWith('.svg')).length;
  assert.ok(svgs === 0 || svgs % 4 === 0, `${svgs} charts`);
});

// ---- 4. one line, right exit code -----------------------------------------------------------

const err = suite('4. no stack traces, right exit codes');

err('an unreadable trace (EACCES) and --svg-dir on an existing file (EEXIST): one line, exit 2', () => {
  if (fs.existsSync('/proc/1/mem')) {
    const r = cli(['run', '-a', 'tlsf', '-t', '/proc/1/mem']);
    assert.is(r.code, 2, r.stderr);
    oneLine(r.stderr, 'IO');
  }
  const d = dir();
  const file = path.join(d, 'a-file');
  fs.writeFileSync(file, 'x');
  const r = cli(['compare', '--no-min-heap', '-a', 'first-fit', '-t', BUSYBOX, '--svg-dir', file]);
  assert.is(r.code, 2, r.stderr);
  oneLine(r.stderr, 'IO');
  assert.match(r.stderr, /--svg-dir exists and is not a folder/);
});

err('-t - reads stdin; -t /dev/fd/3 (a pipe, like <(zcat T)) reads the pipe; both give the file\'s answer', () => {
  const file = cli(['run', '-a', 'first-fit', '-t', BUSYBOX, '--json']);
  const want = JSON.parse(file.stdout);
  const text = zlib.gunzipSync(fs.readFileSync(BUSYBOX));
  const pkg = cliPackage();
  const viaStdin = spawnSync(process.execPath, [path.join(pkg, 'dist', 'cli.js'), 'run', '-a', 'first-fit', '-t', '-', '--json'], {
    input: text,
    encoding: 'utf8',
  });
  assert.is(viaStdin.status, 0, viaStdin.stderr);
  assert.equal(JSON.parse(viaStdin.stdout).summary, want.summary);
  const viaFd = spawnSync('sh', ['-c', `zcat "$1" | "$2" "$3" run -a first-fit -t /dev/fd/3 --json 3<&0`, 'sh', BUSYBOX, process.execPath, path.join(pkg, 'dist', 'cli.js')], {
    encoding: 'utf8',
  });
  assert.is(viaFd.status, 0, viaFd.stderr);
  assert.equal(JSON.parse(viaFd.stdout).summary, want.summary);
});

err('a FIFO with no writer: the program says what it waits for, and Ctrl-C ends it (exit 130), no stack trace', async () => {
  const d = dir();
  const fifo = path.join(d, 'fifo');
  if (spawnSync('mkfifo', [fifo]).status !== 0) return;
  const p = start(['run', '-a', 'tlsf', '-t', fifo]);
  let seen = '';
  p.stderr!.on('data', (x: Buffer) => (seen += x.toString()));
  const done = exited(p);
  assert.ok(await until(() => seen.includes('waiting for a writer')), seen);
  p.kill('SIGINT');
  const r = await done;
  assert.is(r.code, 130);
  assert.not.match(seen, /    at /);
});

err('bad numbers echo what was typed (never NaN), quoted; --jobs is capped and says so', () => {
  const cases: [string[], string][] = [
    [['compare', '--no-min-heap', '-a', 'tlsf', '-t', BUSYBOX, '--jobs', 'abc'], '--jobs: "abc" is not a number'],
    [['run', '-a', 'tlsf', '-t', BUSYBOX, '--seed', 'x1'], '--seed: "x1" is not a number'],
    [['min-heap', '-a', 'tlsf', '-t', BUSYBOX, '--tolerance', '5%'], '--tolerance: "5%" is not a number'],
    [['compare', '--no-min-heap', '-a', 'tlsf', '-t', BUSYBOX, '-j', '\u001b[31mred'], '-j: "\\x1b[31mred" is not a number'],
  ];
  for (const [args, msg] of cases) {
    const r = cli(args);
    assert.is(r.code, 2, r.stderr);
    oneLine(r.stderr, 'USAGE');
    assert.ok(r.stderr.includes(msg), `${r.stderr} lacks ${msg}`);
    assert.not.match(r.stderr, /NaN/);
  }
  const big = cli(['compare', '--no-min-heap', '-a', 'first-fit', '-t', BUSYBOX, '--jobs', '1000', '--format', 'csv']);
  assert.is(big.code, 0, big.stderr);
  assert.match(big.stderr, /--jobs 1000 is more than the \d+ available cores: using \d+/);
});

// ---- 5. unbounded input ----------------------------------------------------------------------

const bound = suite('5. unbounded input');

bound('a gzip of 8 MiB without a newline: a one-line "line longer than 1 MiB" error at line 1, not the whole file buffered', async () => {
  const d = dir();
  const f = path.join(d, 'long.gz');
  fs.writeFileSync(f, zlib.gzipSync(Buffer.alloc(8 << 20, 0x61)));
  assert.match(await readLine(f), /long\.gz:1: line longer than 1 MiB .*\(TRACE_SYNTAX\)$/);
  // NULs: named as binary data at once.
  const nul = path.join(d, 'nul.gz');
  fs.writeFileSync(nul, zlib.gzipSync(Buffer.alloc(8 << 20)));
  assert.match(await readLine(nul), /^rmalloc-sim: \S*nul\.gz(:1)?: .*\((TRACE_FORMAT|TRACE_SYNTAX)\)$/);
  // After 10 good lines, the line number is right.
  const g = path.join(d, 'late.trace');
  fs.writeFileSync(g, Buffer.concat([Buffer.from('a 1 8\n' + '#\n'.repeat(9)), Buffer.alloc(3 << 20, 0x41)]));
  assert.match(await readLine(g), /late\.trace:11: line longer than 1 MiB/);
});

bound('echoed text is escaped and cut: no control bytes reach the terminal, a 100k-digit size gives a short line', async () => {
  const d = dir();
  const f = path.join(d, 'bin.trace');
  fs.writeFileSync(f, Buffer.concat([Buffer.from('a 1 8\n'), Buffer.from([0x1b, 0x5b, 0x32, 0x4a, 0x00, 0x07, 0xff, 0x0a])]));
  const r = cli(['trace', 'stats', f]); // as printed to the terminal
  assert.is(r.code, 2);
  oneLine(r.stderr, 'TRACE_SYNTAX');
  assert.not.match(r.stderr, /[\u0000-\u0009\u000b-\u001f\u007f\ufffd]/);
  assert.match(r.stderr, /\\x1b\[2J\\x00\\x07/);
  const g = path.join(d, 'digits.trace');
  fs.writeFileSync(g, `a 1 ${'7'.repeat(100000)}\n`);
  const l = await readLine(g);
  assert.ok(l.length < 200, `${l.length} characters`);
  assert.match(l, /size over 2\^53: 7{20}\.\.\. \(100000 digits\)/);
  // Any message is cut: a SimError with a 100k-character message prints a bounded line.
  assert.ok(new SimError('USAGE', 'x'.repeat(100000), { file: 'y'.repeat(100000) }).oneLine().length < 700);
});

bound('a UTF-8 BOM at the start is accepted (plain and gzip), with the same ops and header as without', async () => {
  const d = dir();
  const body = '# program: bom\na 1 8\na 2 16\nf 1\n';
  const plain = path.join(d, 'bom.trace');
  fs.writeFileSync(plain, Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(body)]));
  const gz = path.join(d, 'bom.trace.gz');
  fs.writeFileSync(gz, zlib.gzipSync(fs.readFileSync(plain)));
  for (const f of [plain, gz]) {
    const t = await loadTrace(f);
    assert.is(t.ops.n, 3);
    assert.equal(t.info.header, ['program: bom']);
  }
  assert.is(traceFromText('\ufeff' + body).ops.n, 3);
});

lost.run();
sig.run();
err.run();
bound.run();
