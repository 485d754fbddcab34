/** Reads typed frames from a WebSocket in order, waiting for the ones a test expects. */
import type { WebSocket } from 'ws';

import type { ServerFrame } from '@keepalive-dashboard/shared';

export class FrameReader {
  private readonly frames: ServerFrame[] = [];
  private waiter: (() => void) | null = null;

  constructor(readonly socket: WebSocket) {
    socket.on('message', (data: Buffer) => {
      this.frames.push(JSON.parse(String(data)) as ServerFrame);
      this.waiter?.();
    });
  }

  /** The next frame matching `pred` (earlier non-matching frames are dropped). */
  async next<T extends ServerFrame>(pred: (f: ServerFrame) => f is T, timeoutMs?: number): Promise<T>;
  async next(pred: (f: ServerFrame) => boolean, timeoutMs?: number): Promise<ServerFrame>;
  async next(pred: (f: ServerFrame) => boolean, timeoutMs = 5000): Promise<ServerFrame> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      while (this.frames.length > 0) {
        const frame = this.frames.shift() as ServerFrame;
        if (pred(frame)) return frame;
      }
      const left = deadline - Date.now();
      if (left <= 0) throw new Error('timed out waiting for a frame');
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiter = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.waiter = null;
    }
  }

  send(value: unknown): void {
    this.socket.send(typeof value === 'string' ? value : JSON.stringify(value));
  }
}

export const isType =
  <K extends ServerFrame['type']>(type: K) =>
  (f: ServerFrame): f is Extract<ServerFrame, { type: K }> =>
    f.type === type;

/** Opens the stream with the reader attached before the first frame can arrive. */
export async function openStream(
  fastify: { injectWS: (path: string, ctx: object, options: { onInit: (ws: WebSocket) => void }) => Promise<WebSocket> },
  headers: Record<string, string>,
  path = '/api/stream',
): Promise<FrameReader> {
  let reader: FrameReader | null = null;
  await fastify.injectWS(path, { headers }, { onInit: (ws) => (reader = new FrameReader(ws)) });
  if (!reader) throw new Error('injectWS did not call onInit');
  return reader;
}
