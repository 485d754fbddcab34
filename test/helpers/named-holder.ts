/** A process with a chosen name (a hostile one: markup, a bidi override) holding the client end of a loopback pair. */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';

export interface NamedHolder {
  pid: number;
  /** The held client end's local port. */
  localPort: number;
  /** The listener's port (this process keeps the listener and the accepted end). */
  port: number;
}

/** The kernel names a process after the file it ran: a symlink called `name` to sleep, given the socket as fd 3. */
export async function holdSocketAs(t: TestContext, name: string): Promise<NamedHolder> {
  const dir = mkdtempSync(join(tmpdir(), 'ka-named-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  symlinkSync('/usr/bin/sleep', join(dir, name));
  const accepted: net.Socket[] = [];
  const listener = net.createServer((s) => accepted.push(s.on('error', () => {}))).listen(0, '127.0.0.1');
  await once(listener, 'listening');
  const port = (listener.address() as net.AddressInfo).port;
  const client = net.connect(port, '127.0.0.1');
  await once(client, 'connect');
  const child = spawn(join(dir, name), ['300'], { stdio: ['ignore', 'ignore', 'ignore', client] });
  await once(child, 'spawn');
  if (child.pid === undefined) throw new Error(`could not start ${JSON.stringify(name)}`);
  const localPort = client.localPort ?? 0;
  // Close our copy (close(2), no shutdown): the named process is then the socket's only holder.
  client.destroy();
  t.after(() => {
    child.kill('SIGKILL');
    for (const s of accepted) s.destroy();
    listener.close();
  });
  return { pid: child.pid, localPort, port };
}
