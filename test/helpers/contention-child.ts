/**
 * A stand-in for a meshbench process that gets killed mid-run: it starts a tier's contention
 * (pods and loadgen cgroups, CPU and I/O neighbours), puts a long sleep (a "pod", without a
 * parent-death signal, so it outlives us) into the pods' cgroup, prints "ready <sleep pid>"
 * and waits to be killed. Run with: node --import tsx contention-child.ts RUN_ID WORK_DIR IMPL
 */
import { spawn } from 'node:child_process';
import { startTierContention } from '../../src/backends/local/contention/tier-contention.js';

const [runId, workDir, implementation] = process.argv.slice(2) as [string, string, 'stress-ng' | 'builtin'];
const contention = await startTierContention({
  runId,
  tier: 'killed',
  workDir,
  settings: {
    cpuQuotaCores: 0.5,
    cpuNeighbour: { dutyPct: 20, implementation },
    ioNeighbour: { fsync: true, implementation, fileBytes: 1 << 20, blockBytes: 4096 },
    pinning: { podCpus: [0], loadgenCpus: [0] },
  },
});
const pod = spawn('sleep', ['300'], { stdio: 'ignore', detached: true });
pod.unref();
await contention.pods.addPid(pod.pid!);
process.stdout.write(`ready ${pod.pid}\n`);
setInterval(() => undefined, 60_000);
