import { loadDevice } from '../src/device';
import { loadTrace } from '../src/trace';
import { replay } from '../src/sim';
async function main(): Promise<void> {
  const [tname, name, reps] = process.argv.slice(2);
  const dev = loadDevice('nds');
  const t = await loadTrace(`firmware-traces/${tname}.trace.gz`);
  for (let k = 0; k < Number(reps ?? 5); k++) {
    const t0 = performance.now();
    const r = replay(t, { device: dev, allocator: name!, oom: 'fail', series: false, lean: true, cache: false, heapSize: 4 * 1024 * 1024, whatIf: true });
    const ms = performance.now() - t0;
    console.log(`${name} ${ms.toFixed(0)} ms ${(t.ops.n / ms / 1000).toFixed(2)}M ops/s ooms ${r.summary.ooms}`);
  }
}
void main();
