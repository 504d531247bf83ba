/**
 * /proc/PID/stat and /proc/PID/status of one process (thread-group leader). CPU times in
 * stat cover all of the process's threads, including threads that have already exited.
 */

export interface PidStat {
  pid: number;
  /** Executable name, at most 15 bytes, and free to contain spaces and parentheses. */
  comm: string;
  /** R running, S sleeping, D disk wait, Z zombie, T stopped, I idle kernel thread, … */
  state: string;
  ppid: number;
  /** Process group id. */
  pgrp: number;
  utimeTicks: number;
  stimeTicks: number;
  /** Clock ticks after boot at which the process started; with pid it identifies a process across PID reuse. */
  startTimeTicks: number;
  rssPages: number;
  threads: number;
}

export function parsePidStat(text: string): PidStat {
  // comm is wrapped in parentheses but may itself contain ") (" and spaces. No field after it
  // can contain ')', so the last ')' in the line is the one that closes comm.
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  if (open < 0 || close < open) throw new Error(`malformed /proc/PID/stat: "${text.slice(0, 80)}"`);
  // rest[0] is field 3 (state) in proc(5) numbering, so field N is rest[N - 3].
  const rest = text.slice(close + 2).trim().split(' ');
  const field = (n: number): number => {
    const value = Number(rest[n - 3]);
    if (rest[n - 3] === undefined || Number.isNaN(value)) throw new Error(`/proc/PID/stat lacks field ${n}`);
    return value;
  };
  return {
    pid: Number(text.slice(0, open).trim()),
    comm: text.slice(open + 1, close),
    state: rest[0],
    ppid: field(4),
    pgrp: field(5),
    utimeTicks: field(14),
    stimeTicks: field(15),
    threads: field(20),
    startTimeTicks: field(22),
    rssPages: field(24),
  };
}

export interface PidStatus {
  /** Resident set now. 0 for kernel threads and zombies, which have no user memory. */
  vmRssBytes: number;
  /** Highest resident set over the process's lifetime (not only the current window). */
  vmHwmBytes: number;
  threads: number;
}

export function parsePidStatus(text: string): PidStatus {
  let vmRssBytes = 0;
  let vmHwmBytes = 0;
  let threads = 0;
  for (const line of text.split('\n')) {
    if (line.startsWith('VmRSS:')) vmRssBytes = kibLineBytes(line);
    else if (line.startsWith('VmHWM:')) vmHwmBytes = kibLineBytes(line);
    else if (line.startsWith('Threads:')) threads = Number(line.slice('Threads:'.length).trim());
  }
  return { vmRssBytes, vmHwmBytes, threads };
}

function kibLineBytes(line: string): number {
  const match = /:\s*(\d+)\s*kB/.exec(line);
  if (!match) throw new Error(`unexpected /proc/PID/status line: "${line}"`);
  return Number(match[1]) * 1024;
}
