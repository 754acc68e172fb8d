/**
 * A fragmenting workload shared by the report, browser and study tests: per round 40 small blocks
 * (88 and 96 bytes), every other one freed, six 480-byte requests that do not fit the holes, then
 * the rest freed. Compaction pays on it (rmalloc recovers its OOMs in a 4608-byte heap).
 */
export function fragTrace(rounds = 2, header = '# fragmenting rounds'): string {
  const l: string[] = [header];
  for (let r = 0; r < rounds; r++) {
    const b = r * 1000;
    for (let i = 0; i < 40; i++) l.push(`a ${b + i} ${88 + (i % 2) * 8}`);
    for (let i = 0; i < 40; i += 2) l.push(`f ${b + i}`);
    for (let i = 0; i < 6; i++) l.push(`a ${b + 500 + i} 480`, `f ${b + 500 + i}`);
    for (let i = 1; i < 40; i += 2) l.push(`f ${b + i}`);
  }
  return l.join('\n') + '\n';
}
