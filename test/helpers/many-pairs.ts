/** Many idle loopback pairs in this process, opened without overflowing the accept queue. */
import { once } from 'node:events';
import net from 'node:net';
import type { TestContext } from 'node:test';

export interface ManyPairs {
  port: number;
  clients: net.Socket[];
  close(): void;
}

export async function openManyPairs(count: number, host = '127.0.0.1', batch = 200): Promise<ManyPairs> {
  const accepted: net.Socket[] = [];
  let wake: (() => void) | undefined;
  const server = net.createServer((socket) => {
    socket.on('error', () => {});
    accepted.push(socket);
    wake?.();
  });
  server.listen(0, host, 4096);
  await once(server, 'listening');
  const port = (server.address() as net.AddressInfo).port;
  const clients: net.Socket[] = [];
  const close = (): void => {
    for (const socket of [...clients, ...accepted]) socket.destroy();
    server.close();
  };
  try {
    while (clients.length < count) {
      const connecting = Array.from({ length: Math.min(batch, count - clients.length) }, () =>
        net.connect(port, host).on('error', () => {}),
      );
      clients.push(...connecting);
      await Promise.all(connecting.map((c) => once(c, 'connect')));
      // Node accepts between our awaits; a queue left to grow past the backlog drops SYNs (a 1 s retransmit).
      while (accepted.length < clients.length) await new Promise<void>((resolve) => (wake = resolve));
    }
  } catch (error) {
    close();
    throw error;
  }
  return { port, clients, close };
}

/** `count` idle pairs on one listener, all closed when the test ends; the listener's port. */
export async function heldPairs(t: TestContext, count: number): Promise<number> {
  const pairs = await openManyPairs(count);
  t.after(() => pairs.close());
  return pairs.port;
}
