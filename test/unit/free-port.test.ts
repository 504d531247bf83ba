import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { freePort, freePorts, listenerPortPool } from '../../src/backends/local/free-port.js';

describe('listener ports', () => {
  it('come from below the ephemeral range, where no outgoing connection takes them', () => {
    expect(listenerPortPool('32768\t60999\n')).toEqual({ first: 10_000, last: 32_767 });
    // Too little room below the range, or no range to read: the kernel's choice.
    expect(listenerPortPool('10500 60999')).toBeNull();
    expect(listenerPortPool(null)).toBeNull();
    expect(listenerPortPool('garbage')).toBeNull();
  });

  it('are free, distinct, and not handed out twice in a row', async () => {
    const pool = listenerPortPool();
    const many = await freePorts('127.0.0.1', 20);
    const one = await freePort('127.0.0.1');
    expect(new Set([...many, one]).size).toBe(21);
    for (const port of [...many, one]) {
      if (pool) {
        expect(port).toBeGreaterThanOrEqual(pool.first);
        expect(port).toBeLessThanOrEqual(pool.last);
      }
      // Free: we can listen on it ourselves.
      const server = createServer();
      await new Promise<void>((resolve, reject) => server.once('error', reject).listen({ port, host: '127.0.0.1', exclusive: true }, resolve));
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
