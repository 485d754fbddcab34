/**
 * A cap on simultaneous TCP connections from one address. Every local user
 * reaches us from 127.0.0.1, so this bounds what any of them can hold open
 * (slow bodies, idle keep-alive sockets, stalled WebSockets); the request and
 * header timeouts (server-options.ts) bound how long each may linger.
 */
import type { Socket } from 'node:net';

const REFUSAL =
  'HTTP/1.1 429 Too Many Requests\r\nconnection: close\r\ncontent-type: application/json\r\n\r\n' +
  '{"code":"KA_ERR_RATE_LIMITED","message":"too many connections from this address"}';

export function connectionCap(maxPerAddress: number): (socket: Socket) => void {
  const open = new Map<string, number>();
  return (socket) => {
    const address = socket.remoteAddress ?? '';
    const count = open.get(address) ?? 0;
    if (count >= maxPerAddress) {
      socket.end(REFUSAL);
      socket.destroySoon();
      return;
    }
    open.set(address, count + 1);
    socket.once('close', () => {
      const left = (open.get(address) ?? 1) - 1;
      if (left <= 0) open.delete(address);
      else open.set(address, left);
    });
  };
}
