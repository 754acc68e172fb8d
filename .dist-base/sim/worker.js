"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
/**
 * Worker-thread entry of the job pool (src/sim/parallel.ts): receives the shared traces in
 * workerData, then runs one job per message and posts its result (or its error) back.
 */
const node_worker_threads_1 = require("node:worker_threads");
const parallel_1 = require("./parallel");
const traces = node_worker_threads_1.workerData.traces;
if (!node_worker_threads_1.parentPort)
    throw new Error('src/sim/worker.ts must run in a worker thread');
const port = node_worker_threads_1.parentPort;
port.on('message', (m) => {
    if (m.type === 'stop') {
        port.close();
        return;
    }
    let reply;
    try {
        const r = (0, parallel_1.runJob)(traces, m.job);
        if (!r.ok)
            throw r.error;
        reply = { type: 'done', index: m.index, kind: r.kind, value: r.value };
    }
    catch (e) {
        reply = { type: 'failed', index: m.index, error: (0, parallel_1.toWire)(e) };
    }
    port.postMessage(reply);
});
