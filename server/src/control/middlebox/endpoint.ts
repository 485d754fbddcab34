/** A python3 end of a lab connection running inside a lab namespace, read as JSON-line events. */
import { spawn, type ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { createInterface } from 'node:readline';

export interface EndpointEvent {
  event: 'listening' | 'accepted' | 'connected' | 'received' | 'sent' | 'closed';
  port?: number;
  bytes?: number;
  code?: string | null;
  local?: [string, number];
  fd?: number;
}

export class Endpoint extends EventEmitter<{ event: [EndpointEvent] }> {
  readonly child: ChildProcess;
  readonly pid: number;
  private exited = false;

  constructor(netns: string, script: string, args: string[]) {
    super();
    this.child = spawn('ip', ['netns', 'exec', netns, 'python3', '-u', '-c', script, ...args], { stdio: ['pipe', 'pipe', 'ignore'] });
    if (this.child.pid === undefined) throw Object.assign(new Error('could not start python3 in the lab namespace'), { code: 'ENOENT' });
    // `ip netns exec` execs python3: this pid is the socket's holder.
    this.pid = this.child.pid;
    this.child.on('error', () => {});
    this.child.stdin?.on('error', () => {});
    this.child.on('exit', () => {
      this.exited = true;
      this.emit('event', { event: 'closed', code: null });
    });
    createInterface({ input: this.child.stdout! }).on('line', (line) => {
      try {
        this.emit('event', JSON.parse(line) as EndpointEvent);
      } catch {
        // not ours: ignored
      }
    });
  }

  /** The first event of `kind` (or closed), or null after `timeoutMs`. */
  next(kind: EndpointEvent['event'], timeoutMs: number): Promise<EndpointEvent | null> {
    return new Promise((resolve) => {
      const done = (value: EndpointEvent | null): void => {
        clearTimeout(timer);
        this.off('event', onEvent);
        resolve(value);
      };
      const onEvent = (e: EndpointEvent): void => {
        if (e.event === kind || e.event === 'closed') done(e);
      };
      const timer = setTimeout(() => done(null), timeoutMs);
      this.on('event', onEvent);
    });
  }

  write(line: object): void {
    if (!this.exited) this.child.stdin?.write(`${JSON.stringify(line)}\n`);
  }

  stop(): void {
    if (this.exited) return;
    try {
      process.kill(this.pid, 'SIGKILL');
    } catch {
      // exited meanwhile
    }
  }
}
