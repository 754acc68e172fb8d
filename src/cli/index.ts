/**
 * The command box (src/cli/): its one entry, what the program entry src/cli.ts wires into yargs.
 * One file per command; COMMANDS lists them in the order yargs registers them.
 */
import type { CommandModule } from 'yargs';

// commands: one import per command file (keep this comment; add lines below it)
import { soakCommand } from './soak';
import { squeezeCommand } from './squeeze';
import { heapmapCommand } from './heapmap';
import { reportCommand } from './report';
import { allocatorsCommand } from './allocators';
import { traceCommand } from './trace';
import { compareCommand, defaultCommand } from './compare';
import { runCommand } from './run';
import { minHeapCommand } from './min-heap';
import { devicesCommand } from './devices';
import { recordCommand } from './record';
import { tuneCommand } from './tune';
import { mergeCommand } from './merge';

export { badNumberFlag, spoolTraceArgs } from './guard';
export { stdoutDashes } from './common';
export { finishShard, shardMiddleware, takeRerun } from './merge';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const COMMANDS: CommandModule<any, any>[] = [
  // command list (keep this comment; add lines below it)
  soakCommand,
  squeezeCommand,
  heapmapCommand,
  reportCommand,
  allocatorsCommand,
  traceCommand,
  defaultCommand,
  compareCommand,
  runCommand,
  minHeapCommand,
  devicesCommand,
  recordCommand,
  tuneCommand,
  mergeCommand,
];
