/**
 * Free TCP ports for the pods' listeners, taken from below the kernel's ephemeral range.
 *
 * Why not port 0: the kernel hands out ports from the ephemeral range, the same range every
 * outgoing connection's source port comes from. Under load the proxies open upstream
 * connections by the thousand, so between our probe and the proxy's bind one of them can take
 * the port (seen: HAProxy "cannot bind socket (Address already in use)" in the middle of a
 * benchmark). Below the range no outgoing connection ever lands. Still racy against other
 * programs picking listeners, which the supervisor's readiness check catches by insisting the
 * listener belongs to the process it started.
 */
import { randomInt } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';

/** Lowest port we pick from: clear of the well-known and most registered service ports. */
const lowestPort = 10_000;
/** Below this many candidate ports, fall back to the kernel's choice. */
const minimumPool = 1_000;
const attemptsPerPort = 50;
/** Ports handed out lately: a deployment asks one at a time, and the proxy has not bound the last one yet. */
const recentlyGiven: number[] = [];
const rememberedPorts = 256;

export async function freePort(host = '127.0.0.1'): Promise<number> {
  return (await freePorts(host, 1))[0]!;
}

/** `count` distinct free ports: all are held open until the last one is known. */
export async function freePorts(host: string, count: number): Promise<number[]> {
  const pool = listenerPortPool();
  const servers: Server[] = [];
  try {
    const ports: number[] = [];
    for (let i = 0; i < count; i++) {
      const server = createServer();
      servers.push(server);
      ports.push(pool ? await listenInPool(server, host, pool, [...ports, ...recentlyGiven]) : await listenOn(server, host, 0));
    }
    recentlyGiven.push(...ports);
    recentlyGiven.splice(0, Math.max(0, recentlyGiven.length - rememberedPorts));
    return ports;
  } finally {
    await Promise.all(servers.map(closeServer));
  }
}

/** [first, last] below the ephemeral range, or null when that leaves too few ports. */
export function listenerPortPool(rangeText = readEphemeralRange()): { first: number; last: number } | null {
  const match = /^\s*(\d+)\s+(\d+)\s*$/.exec(rangeText ?? '');
  if (!match) return null;
  const last = Number(match[1]) - 1;
  return last - lowestPort + 1 >= minimumPool ? { first: lowestPort, last } : null;
}

function readEphemeralRange(): string | null {
  try {
    return readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8');
  } catch {
    return null;
  }
}

async function listenInPool(server: Server, host: string, pool: { first: number; last: number }, taken: number[]): Promise<number> {
  let lastError: Error | undefined;
  for (let attempt = 0; attempt < attemptsPerPort; attempt++) {
    const port = randomInt(pool.first, pool.last + 1);
    if (taken.includes(port)) continue;
    try {
      return await listenOn(server, host, port);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw error;
      lastError = error as Error;
    }
  }
  throw new Error(`no free port on ${host} in ${pool.first}–${pool.last} after ${attemptsPerPort} tries: ${lastError?.message ?? 'all taken'}`);
}

function listenOn(server: Server, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (error: Error) => reject(error);
    server.once('error', onError);
    server.listen({ port, host, exclusive: true }, () => {
      server.off('error', onError);
      const address = server.address();
      if (address && typeof address === 'object') resolve(address.port);
      else reject(new Error(`listening on ${host}:${port} gave no port (address ${JSON.stringify(address)})`));
    });
  });
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve, reject) => {
    if (!server.listening) return resolve();
    server.close((error) => (error ? reject(error) : resolve()));
  });
}
