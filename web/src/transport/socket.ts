/**
 * The few members of the browser's WebSocket the transport uses, so the
 * transport runs against a fake in node:test without DOM types.
 */
export interface SocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onopen: Handler<unknown> | null;
  onmessage: Handler<{ data: unknown }> | null;
  onclose: Handler<{ code: number; reason: string }> | null;
  onerror: Handler<unknown> | null;
}

/**
 * A handler checked like a method (bivariantly), so the DOM's
 * `(ev: MessageEvent) => any` fits where `{ data: unknown }` is all we read.
 */
type Handler<E> = { bivarianceHack(event: E): void }['bivarianceHack'];

/** WebSocket.OPEN */
export const SOCKET_OPEN = 1;

export type SocketFactory = (url: string) => SocketLike;

/** setTimeout/clearTimeout, injectable so tests control time. */
export interface Scheduler {
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
  now(): number;
}

export const realScheduler: Scheduler = {
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
  now: () => Date.now(),
};
