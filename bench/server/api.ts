/** The few REST calls the benchmark makes, over real HTTP with the token. */
import type { ConnectionView, PatchResult } from '@keepalive-dashboard/shared';

export class Api {
  constructor(
    private readonly url: string,
    private readonly token: string,
  ) {}

  private async call<T>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> {
    const response = await fetch(`${this.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${this.token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      // Not JSON: keep the text for the error message.
    }
    return { status: response.status, body: parsed as T };
  }

  private async ok<T>(method: string, path: string, body?: unknown): Promise<T> {
    const result = await this.call<T>(method, path, body);
    if (result.status >= 300) throw new Error(`${method} ${path} → ${result.status} ${JSON.stringify(result.body).slice(0, 300)}`);
    return result.body;
  }

  /** A lab listener and a lab connection to it: the owned socket, by its connection id. */
  async openLabConnection(): Promise<string> {
    const listener = await this.ok<{ local: { port: number } }>('POST', '/api/lab/listeners', { port: 0 });
    const connection = await this.ok<{ connectionId: string | null }>('POST', '/api/lab/connections', { host: '127.0.0.1', port: listener.local.port });
    if (!connection.connectionId) throw new Error('the lab connection was not in the collection that followed it');
    return connection.connectionId;
  }

  async connections(query: Record<string, string | number>): Promise<ConnectionView[]> {
    const search = new URLSearchParams(Object.entries(query).map(([k, v]): [string, string] => [k, String(v)]));
    return (await this.ok<{ connections: ConnectionView[] }>('GET', `/api/connections?${search}`)).connections;
  }

  async connection(id: string): Promise<ConnectionView> {
    return (await this.ok<{ connection: ConnectionView }>('GET', `/api/connections/${encodeURIComponent(id)}`)).connection;
  }

  /** The status too: a 429 or 403 is a figure to report, not a reason to stop. */
  patchKeepalive(id: string, patch: { idleSec: number }): Promise<{ status: number; body: PatchResult | { code: string; message: string } }> {
    return this.call('PATCH', `/api/connections/${encodeURIComponent(id)}/keepalive`, patch);
  }
}
