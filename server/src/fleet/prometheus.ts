/**
 * The few calls the fleet view makes to Prometheus's HTTP API: instant
 * queries (GET /api/v1/query), each answered as one number per label set.
 */
import { ApiError } from '../errors.js';

export interface Sample {
  labels: Record<string, string>;
  value: number;
}

interface QueryResponse {
  status?: string;
  error?: string;
  data?: { resultType?: string; result?: { metric?: Record<string, string>; value?: [number, string] }[] };
}

export class PrometheusClient {
  /** Shown to users and in errors: the URL without any user:password. */
  readonly shownUrl: string;
  private readonly base: URL;
  private readonly authorization: string | null;

  /** `url` may carry user:password (basic auth); fetch() refuses URLs with credentials, so they become a header. */
  constructor(
    url: string,
    private readonly timeoutMs = 5000,
  ) {
    const parsed = new URL(url);
    this.authorization = parsed.username ? `Basic ${Buffer.from(`${decodeURIComponent(parsed.username)}:${decodeURIComponent(parsed.password)}`).toString('base64')}` : null;
    parsed.username = '';
    parsed.password = '';
    if (!parsed.pathname.endsWith('/')) parsed.pathname += '/';
    this.base = parsed;
    this.shownUrl = parsed.href;
  }

  /** An instant vector query; a scalar or string result is a bug in the query, said as such. */
  async query(promql: string): Promise<Sample[]> {
    const url = new URL('api/v1/query', this.base);
    url.searchParams.set('query', promql);
    let body: QueryResponse;
    try {
      const res = await fetch(url, { headers: this.authorization ? { authorization: this.authorization } : {}, signal: AbortSignal.timeout(this.timeoutMs) });
      body = (await res.json().catch(() => ({ error: `HTTP ${res.status}, not JSON` }))) as QueryResponse;
    } catch (error) {
      throw new ApiError('KA_ERR_PROMETHEUS', `Prometheus at ${this.shownUrl} did not answer: ${(error as Error).message}`);
    }
    if (body.status !== 'success' || body.data?.resultType !== 'vector') {
      throw new ApiError('KA_ERR_PROMETHEUS', `Prometheus at ${this.shownUrl} refused ${promql}: ${body.error ?? `a ${String(body.data?.resultType)} result`}`);
    }
    return (body.data.result ?? []).map((r) => ({ labels: r.metric ?? {}, value: Number(r.value?.[1]) }));
  }
}
