/**
 * Worker-thread entry of the job pool (src/sim/parallel.ts): receives the shared traces in
 * workerData, then runs one job per message and posts its result (or its error) back.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { PackedTrace } from '../trace';
import { runJob, toWire, FromWorker, ToWorker } from './parallel';

const traces = (workerData as { traces: PackedTrace[] }).traces;

if (!parentPort) throw new Error('src/sim/worker.ts must run in a worker thread');
const port = parentPort;

port.on('message', (m: ToWorker) => {
  if (m.type === 'stop') {
    port.close();
    return;
  }
  let reply: FromWorker;
  try {
    const r = runJob(traces, m.job);
    if (!r.ok) throw r.error;
    reply = { type: 'done', index: m.index, kind: r.kind, value: r.value } as FromWorker;
  } catch (e) {
    reply = { type: 'failed', index: m.index, error: toWire(e) };
  }
  port.postMessage(reply);
});
