/** Real TCP pairs on loopback, closed after each test. */
import { once } from 'node:events';
import net from 'node:net';
import type { TestContext } from 'node:test';

export interface Pair {
  server: net.Server;
  client: net.Socket;
  accepted: net.Socket;
  port: number;
}

/** A listening server plus one connected client, both ends ESTABLISHED. */
export async function openPair(t: TestContext, host = '127.0.0.1'): Promise<Pair> {
  const server = net.createServer();
  server.listen(0, host);
  await once(server, 'listening');
  const port = (server.address() as net.AddressInfo).port;
  const acceptedP = once(server, 'connection') as Promise<[net.Socket]>;
  const client = net.connect(port, host);
  await once(client, 'connect');
  const [accepted] = await acceptedP;
  client.on('error', () => {});
  accepted.on('error', () => {});
  t.after(() => {
    client.destroy();
    accepted.destroy();
    server.close();
  });
  return { server, client, accepted, port };
}

/**
 * A pair closed gracefully, client first: the client's end stays in TIME_WAIT
 * (60 s), held by no process, so its keepalive settings cannot be read.
 */
export async function timeWaitPair(t: TestContext): Promise<Pair> {
  const pair = await openPair(t);
  pair.client.end();
  await once(pair.accepted, 'end');
  pair.accepted.end();
  await once(pair.client, 'close');
  return pair;
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
