/**
 * /proc/uptime: "seconds-since-boot idle-seconds". It runs on the same boot-time clock as a
 * process's start time in /proc/PID/stat, which is what lets a window tell a process that
 * started inside it from one that merely was not looked at before.
 */
export function parseUptimeSeconds(text: string): number {
  const seconds = Number(text.trim().split(/\s+/)[0]);
  if (!Number.isFinite(seconds)) throw new Error(`malformed /proc/uptime: "${text.trim()}"`);
  return seconds;
}
