/**
 * The test runner of scripts/mutate.ts: runs the uvu test files given on the command line in
 * THAT order (uvu's own CLI sorts them by name), stopping at the first failure, and announces
 * each file on stderr (`@@file NAME`) so the parent learns which file killed a mutant and tries
 * it first next time. Started as `node -r mutate-hook.js mutate-runner.js FILE...`.
 */
import * as path from 'node:path';

type Group = (string | null | (() => Promise<[string, number, number, number]>))[];
const g = globalThis as unknown as { UVU_DEFER: number; UVU_QUEUE: Group[]; UVU_INDEX: number };
g.UVU_DEFER = 1;
// eslint-disable-next-line @typescript-eslint/no-require-imports
const uvu = require(require.resolve('uvu', { paths: [process.cwd()] })) as { exec(bail: boolean): Promise<void> };
process.argv.slice(2).forEach((file, i) => {
  const name = path.basename(file);
  g.UVU_QUEUE.push([name, async () => {
    process.stderr.write(`@@file ${name}\n`);
    return ['', 0, 0, 0];
  }]);
  g.UVU_INDEX = i;
  require(file);
});
void uvu.exec(true);
