/**
 * Ask the kernel for a free TCP port. Inherently racy (another process may take the port
 * between our close and the proxy's bind); the supervisor's readiness check catches that by
 * insisting the listener belongs to the process it started.
 */
import { createServer, type Server } from 'node:net';

export async function freePort(host = '127.0.0.1'): Promise<number> {
  return (await freePorts(host, 1))[0]!;
}

/** `count` distinct free ports: all are held open until the last one is known. */
export async function freePorts(host: string, count: number): Promise<number[]> {
  const servers: Server[] = [];
  try {
    const ports: number[] = [];
    for (let i = 0; i < count; i++) {
      const server = createServer();
      servers.push(server);
      ports.push(await listenOnZero(server, host));
    }
    return ports;
  } finally {
    await Promise.all(servers.map(closeServer));
  }
}

function listenOnZero(server: Server, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ port: 0, host, exclusive: true }, () => {
      const address = server.address();
      if (address && typeof address === 'object') resolve(address.port);
      else reject(new Error(`listening on ${host}:0 gave no port (address ${JSON.stringify(address)})`));
    });
  });
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve, reject) => {
    if (!server.listening) return resolve();
    server.close((error) => (error ? reject(error) : resolve()));
  });
}
