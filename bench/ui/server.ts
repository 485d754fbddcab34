/**
 * The real server in this process (bench/server/start-server.ts) serving
 * web/dist on 127.0.0.1:0, its source a fake one of N sockets.
 */
import { fakeSourceFactories } from '../../test/helpers/fake-source.js';
import { startServer } from '../server/start-server.js';

export interface UiServer {
  /** The page to open: a one-time login link (the server swaps it for a session cookie). */
  pageUrl: string;
  /** What the app logged: printed by the benchmark, not swallowed. */
  log: string[];
  close(): Promise<void>;
}

export async function startUiServer(options: { connections: number; intervalMs: number; webRoot: string }): Promise<UiServer> {
  const server = await startServer(options.intervalMs, {
    sourceFactories: fakeSourceFactories(options.connections),
    // The process map scans /proc: nothing to find for made-up sockets, only noise on a shared CPU.
    processIntervalMs: 600_000,
    webRoot: options.webRoot,
  });
  return { pageUrl: `${server.url}/login?code=${server.fastify.ka.auth.sessions.issueCode()}`, log: server.log, close: () => server.close() };
}
