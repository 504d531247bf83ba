/** Command lines of the neighbours: stress-ng's options, and the built-ins' loaders. */
import { describe, expect, it } from 'vitest';
import { builtinScriptEnvVar, chooseImplementation, cpuHogCommand, writerCommand } from '../../src/backends/local/contention/neighbour-commands.js';

describe('CPU hog command', () => {
  it('gives stress-ng a busy slice of period × duty, and no load options at 100 %', () => {
    expect(cpuHogCommand({ implementation: 'stress-ng', binary: '/usr/bin/stress-ng', workers: 1, dutyPct: 50, periodMs: 100 })).toEqual({
      command: '/usr/bin/stress-ng',
      args: ['--cpu', '1', '--timeout', '0', '--cpu-load', '50', '--cpu-load-slice', '50'],
    });
    expect(cpuHogCommand({ implementation: 'stress-ng', binary: 'stress-ng', workers: 2, dutyPct: 100, periodMs: 100 }).args).toEqual(['--cpu', '2', '--timeout', '0']);
  });

  it('runs the built-in from an environment variable, with its settings as arguments', () => {
    const launch = cpuHogCommand({ implementation: 'builtin', binary: '/usr/bin/node', workers: 2, dutyPct: 30, periodMs: 100 });
    expect(launch.command).toBe('/usr/bin/node');
    expect(launch.args).toEqual(['-e', `/* meshbench built-in CPU hog */ eval(process.env.${builtinScriptEnvVar})`, '2', '30', '100']);
    expect(launch.env?.[builtinScriptEnvVar]).toContain('new Worker(burn');
    // The script must at least parse.
    expect(() => new Function(launch.env![builtinScriptEnvVar]!)).not.toThrow();
  });
});

describe('writer command', () => {
  it('asks stress-ng for synchronous writes into the run directory', () => {
    const launch = writerCommand({ implementation: 'stress-ng', binary: 'stress-ng', dir: '/tmp/w/meshbench-io-r1', writers: 1, blockBytes: 65536, fileBytes: 1 << 26, direct: true });
    expect(launch.args).toEqual([
      '--hdd', '1', '--hdd-opts', 'direct,fsync', '--hdd-write-size', '65536', '--hdd-bytes', String(1 << 26), '--temp-path', '/tmp/w/meshbench-io-r1', '--timeout', '0',
    ]);
    expect(writerCommand({ implementation: 'stress-ng', binary: 'stress-ng', dir: '/d', writers: 1, blockBytes: 4096, fileBytes: 8192, direct: false }).args).toContain('fsync');
  });

  it('has the built-in fdatasync after every write and unlink its file at once', () => {
    const launch = writerCommand({ implementation: 'builtin', binary: 'node', dir: '/tmp/w/meshbench-io-r1', writers: 1, blockBytes: 4096, fileBytes: 8192, direct: true });
    expect(launch.args.slice(2)).toEqual(['/tmp/w/meshbench-io-r1', '1', '4096', '8192', '1']);
    const script = launch.env![builtinScriptEnvVar]!;
    expect(script).toMatch(/writeSync\(fd, block, 0, blockBytes, offset\);\n\s*if \(sync\) fs\.fdatasyncSync\(fd\);/);
    expect(script).toMatch(/openSync\(file, 'w'\);\nfs\.unlinkSync\(file\);/);
    expect(() => new Function(script)).not.toThrow();
  });

  it('writes through the page cache only when fsync is false (the slow-disk neighbour)', () => {
    const stressNg = writerCommand({ implementation: 'stress-ng', binary: 'stress-ng', dir: '/d', writers: 1, blockBytes: 4096, fileBytes: 8192, direct: false, fsync: false });
    expect(stressNg.args).not.toContain('--hdd-opts');
    expect(stressNg.args.join(' ')).not.toMatch(/fsync|direct/);
    const builtin = writerCommand({ implementation: 'builtin', binary: 'node', dir: '/d', writers: 2, blockBytes: 4096, fileBytes: 8192, direct: false, fsync: false });
    expect(builtin.args.slice(2)).toEqual(['/d', '2', '4096', '8192', '0']);
  });
});

describe('chooseImplementation', () => {
  it('prefers stress-ng, falls back to the built-in, and refuses an explicit stress-ng that is missing', () => {
    expect(chooseImplementation('auto', '/usr/bin/stress-ng')).toEqual({ implementation: 'stress-ng', binary: '/usr/bin/stress-ng' });
    expect(chooseImplementation('auto', null)).toEqual({ implementation: 'builtin', binary: process.execPath });
    expect(chooseImplementation('builtin', '/usr/bin/stress-ng')?.implementation).toBe('builtin');
    expect(chooseImplementation('stress-ng', null)).toBeNull();
  });
});
