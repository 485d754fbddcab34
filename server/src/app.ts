/**
 * The Fastify app as a plugin: it never listens. main.ts listens; tests use
 * app.inject / injectWS. Builds the shared context (source, store, lab,
 * control, audit log), then the routes, the stream and the static UI.
 */
import cookie from '@fastify/cookie';
import helmet from '@fastify/helmet';
import rateLimit from '@fastify/rate-limit';
import websocket from '@fastify/websocket';

import fp from 'fastify-plugin';
import type { FastifyError, FastifyInstance, FastifyPluginAsync } from 'fastify';

import { loadAddon, openPacketCapture, readNetstat } from '@keepalive-dashboard/native';
import { DEFAULT_ADVISORY_OPTIONS, type AdvisoryOptions } from '@keepalive-dashboard/shared';

import { AuditLog } from './audit/audit-log.js';
import { detectCapabilities } from './capabilities.js';
import { createForeignReader } from './collector/foreign-reader.js';
import { ForeignSettings } from './collector/foreign-settings.js';
import { TotalsHistory } from './collector/history.js';
import { PostMortems } from './collector/post-mortems.js';
import { ConnectionStore } from './collector/store.js';
import { timeoutCause } from './collector/death-cause.js';
import type { AppContext } from './context.js';
import { Blackholes } from './control/blackhole.js';
import { Lab } from './control/lab.js';
import { announceMiddleboxDeaths } from './control/middlebox/deaths.js';
import { Middlebox } from './control/middlebox/middlebox.js';
import { nativeForeignAccess, nativeKiller } from './control/native-control.js';
import { SocketControl, type ForeignAccess, type Killer } from './control/socket-control.js';
import { ApiError, ERRORS } from './errors.js';
import { EventBus } from './events.js';
import { PrometheusClient } from './fleet/prometheus.js';
import { fleetRoutes } from './fleet/route.js';
import { Metrics } from './metrics.js';
import { ProcessMap } from './processes/process-map.js';
import { KernelCounters } from './probes/watch-counters.js';
import { ProbeWatch } from './probes/watch.js';
import { bulkRetuneRoutes } from './routes/bulk-retune.js';
import { connectionRoutes } from './routes/connections.js';
import { historyRoutes } from './routes/history.js';
import { hostRoutes } from './routes/host.js';
import { labRoutes } from './routes/lab.js';
import { metricsRoutes } from './routes/metrics.js';
import { middleboxRoutes } from './routes/middlebox.js';
import { parseRoutes } from './routes/parse.js';
import { uiRoutes } from './routes/ui.js';
import { FailedAuthLimiter, generateToken } from './security/auth.js';
import { HostAllowlist } from './security/browser-boundary.js';
import { connectionCap } from './security/connection-cap.js';
import { credentialGuard, hostGuard } from './security/guard.js';
import { Sessions, sessionCookieName } from './security/sessions.js';
import { typeboxValidatorCompiler } from './routes/schema-validation.js';
import { namespaceRoutes } from './routes/namespaces.js';
import { sessionRoutes } from './routes/session.js';
import { settingsRoutes } from './routes/settings.js';
import { probeRoutes } from './routes/probes.js';
import { SOURCE_FACTORIES } from './sources/index.js';
import { selectSource, type SelectedSource, type SourceFactories, type SourceRequest } from './sources/select.js';
import { streamRoutes } from './stream/stream.js';
import { SysctlStore } from './sysctl.js';
import { NamespaceRegistry, type NamespaceScope } from './namespaces/registry.js';
import { NamespaceSysctls } from './namespaces/sysctls.js';
import { createNamespacedSource } from './sources/namespaced.js';
import { VERSION } from './version.js';

export interface AppOptions {
  /** API token; generated when absent (read it back from `fastify.ka.token`). */
  token?: string;
  source?: SourceRequest;
  /** How each source is made; defaults to the real ones. */
  sourceFactories?: SourceFactories;
  intervalMs?: number;
  readOnly?: boolean;
  auditLogPath?: string;
  labAnyAddress?: boolean;
  metricsPublic?: boolean;
  /** Start the periodic collector (tests may drive `ka.store.collect()` themselves). */
  collect?: boolean;
  /** Built UI to serve; a placeholder page when it is missing. */
  webRoot?: string;
  /** Process-map refresh interval, ms. */
  processIntervalMs?: number;
  /** Every foreign socket's settings are read again within this, ms (default 30 s). */
  foreignRefreshMs?: number;
  sysctlDir?: string;
  /**
   * `all`: every network namespace on the host (default with the real sources);
   * `own`: only the server's (default when sources are injected, so a test's fake source stays alone).
   */
  namespaces?: NamespaceScope;
  /** Injected native pieces (default: the addon's). */
  foreign?: ForeignAccess | null;
  killer?: Killer | null;
  log?: (message: string) => void;
  /** Advisory thresholds (middlebox idle timeout, idle-without-keepalive). */
  advisoryOptions?: AdvisoryOptions;
  /** The user's middlebox timeout, s (`--middlebox-timeout`): overrides advisoryOptions' (GET/PUT /api/settings). */
  middleboxTimeoutSec?: number;
  /** See AppContext.streamHighWaterBytes; default 4 MiB. */
  streamHighWaterBytes?: number;
  /** See AppContext.streamStallMs; default 30 s. */
  streamStallMs?: number;
  /** The address main.ts listens on: a Host header naming it is served (default 127.0.0.1). */
  listenHost?: string;
  /** More names the Host header may carry (`--allowed-host`), e.g. a name the operator browses to. */
  allowedHosts?: string[];
  /** Called each time a login code is spent; main.ts prints a fresh login URL. */
  onLoginCodeSpent?: () => void;
  /** Open lab objects (connections, listeners, accepted sockets) at most; default 256. */
  maxLabObjects?: number;
  /** The Prometheus that scrapes the fleet (`--prometheus`): GET /api/fleet asks it; without it the route says so. */
  prometheusUrl?: string;
  /** Simultaneous TCP connections to this server from one address; default 1024. */
  maxConnectionsPerAddress?: number;
}

declare module 'fastify' {
  interface FastifyInstance {
    ka: AppContext;
  }
}

export function defaultAuditLogPath(): string {
  const base = process.env.XDG_STATE_HOME ?? `${process.env.HOME ?? '/tmp'}/.local/state`;
  return `${base}/keepalive-dashboard/audit.jsonl`;
}

function nativeLoaded(): boolean {
  try {
    loadAddon();
    return true;
  } catch {
    return false;
  }
}

/** States a process can still hold a socket in. */
const OPEN_STATES = new Set(['ESTABLISHED', 'SYN_SENT', 'SYN_RECV', 'CLOSE_WAIT', 'LISTEN']);

const appPlugin: FastifyPluginAsync<AppOptions> = async (fastify: FastifyInstance, options) => {
  const log = options.log ?? ((message: string) => fastify.log.warn(message));
  const now = Date.now;
  const intervalMs = options.intervalMs ?? 1000;
  const audit = new AuditLog(options.auditLogPath ?? defaultAuditLogPath(), { log });
  if (!audit.writable) log(`audit log ${audit.path} cannot be written (${audit.status().error}): changes will be refused`);
  const events = new EventBus(audit, now, log);
  const factories = options.sourceFactories ?? SOURCE_FACTORIES;
  const chosen: SelectedSource = await selectSource(options.source ?? 'auto', factories, log);
  const namespaces = new NamespaceRegistry({ scope: options.namespaces ?? (options.sourceFactories ? 'own' : 'all'), now });
  // The chosen source reads the server's own namespace; every other one is read from inside it.
  const selected: SelectedSource = { ...chosen, source: createNamespacedSource(chosen.source.name, namespaces, chosen.source) };
  const ownSysctl = new SysctlStore(options.sysctlDir);
  const namespaceSysctls = new NamespaceSysctls(namespaces, ownSysctl, now);
  const foreign = options.foreign === undefined ? nativeForeignAccess() : options.foreign;
  const killer = options.killer === undefined ? nativeKiller(namespaces) : options.killer;
  const foreignSettings = new ForeignSettings(foreign ? createForeignReader(foreign) : null, {
    tickMs: intervalMs,
    ...(options.foreignRefreshMs ? { refreshMs: options.foreignRefreshMs } : {}),
  });
  const processMap = new ProcessMap({ now });
  const lab = new Lab(now, options.maxLabObjects ?? 256);
  const blackholes = new Blackholes();
  // A crashed earlier run may have left peers black-holed: undo that first.
  const leftovers = await blackholes.recoverLeftovers().catch((error: Error) => {
    log(`could not check for leftover black holes: ${error.message}`);
    return [];
  });
  const middlebox = new Middlebox();
  // Likewise lab namespaces a crashed run left (their processes, veths and nft table go with them).
  const staleNamespaces = await middlebox.recoverLeftovers().catch((error: Error) => {
    log(`could not check for leftover middlebox labs: ${error.message}`);
    return [];
  });
  const metrics = new Metrics();
  const loaded = nativeLoaded();
  const capabilities = detectCapabilities(loaded);
  const store = new ConnectionStore({
    source: selected.source,
    processMap,
    lab,
    foreign: foreignSettings,
    events,
    now,
    capabilities,
    namespaces,
    namespaceSysctls,
    quietPorts: () => {
      const address = fastify.server.address();
      return new Set(typeof address === 'object' && address ? [address.port] : []);
    },
    ...(options.advisoryOptions || options.middleboxTimeoutSec !== undefined
      ? { advisoryOptions: { ...(options.advisoryOptions ?? DEFAULT_ADVISORY_OPTIONS), ...(options.middleboxTimeoutSec !== undefined ? { middleboxIdleSec: options.middleboxTimeoutSec } : {}) } }
      : {}),
  });
  const probes = new ProbeWatch({
    native: loaded ? { openPacketCapture } : null,
    netRaw: capabilities.netRaw,
    namespaces,
    views: () => store.currentViews(),
    view: (id) => store.get(id),
  });
  store.on('delta', () => probes.update());
  const kernelCounters = new KernelCounters({ readNetstat: loaded ? readNetstat : null, namespaces, now });
  metrics.readKernelCounters(() => kernelCounters.byLabel());
  metrics.readStore({ views: () => store.currentViews(), collector: () => ({ lastSweepAt: store.lastCollection()?.at ?? null, sweepIntervalMs: store.sampling().sweepIntervalMs }), now });
  const history = new TotalsHistory({ now, namespaceCount: () => namespaces.list().length });
  const postMortems = new PostMortems({ now });
  postMortems.watch(store, events, lab);
  const sessions = new Sessions(now);
  const cookieName = (): string => {
    const address = fastify.server.address();
    return sessionCookieName(typeof address === 'object' && address ? address.port : null);
  };
  const ctx: AppContext = {
    token: options.token ?? generateToken(),
    auth: { sessions, failures: new FailedAuthLimiter(), cookieName, onCodeSpent: options.onLoginCodeSpent ?? (() => {}) },
    readOnly: options.readOnly ?? false,
    intervalMs,
    streamHighWaterBytes: options.streamHighWaterBytes ?? 4 * 1024 * 1024,
    streamStallMs: options.streamStallMs ?? 30_000,
    labAnyAddress: options.labAnyAddress ?? false,
    metricsPublic: options.metricsPublic ?? false,
    selected,
    store,
    history,
    postMortems,
    processMap,
    foreignSettings,
    foreign,
    lab,
    blackholes,
    middlebox,
    control: new SocketControl({
      lab,
      processMap,
      foreignSettings,
      foreign,
      killer,
      events,
      readOnly: options.readOnly ?? false,
      now,
      stillOpen: async (view) => {
        await store.refresh([view.id]);
        const now = store.get(view.id);
        // Closed by its owner (FIN-WAIT, TIME-WAIT…), the kernel keeps an orphan no process will hold again.
        return now !== undefined && OPEN_STATES.has(now.state);
      },
    }),
    events,
    audit,
    sysctl: ownSysctl,
    namespaces,
    namespaceSysctls,
    metrics,
    probes,
    kernelCounters,
    capabilities,
    version: VERSION,
    now,
  };
  fastify.decorate('ka', ctx);

  for (const rule of leftovers) {
    events.emit({ type: 'blackhole', connectionId: null, summary: `removed a black hole left by a crashed run: ${rule.from}:${rule.sport} → ${rule.to}:${rule.dport}`, actor: null, detail: { rule } });
  }

  if (staleNamespaces.length) {
    events.emit({ type: 'lab', connectionId: null, summary: `removed a middlebox lab left by a crashed run: ${staleNamespaces.join(', ')}`, actor: null, detail: { namespaces: staleNamespaces } });
  }
  announceMiddleboxDeaths(middlebox, events);

  // Owned sockets that die by keepalive say so themselves (ETIMEDOUT).
  lab.on('closed', (entry) => {
    if (blackholes.isOn(entry.id)) void blackholes.off(entry.id).catch((error: Error) => log(`black hole of ${entry.id} not removed: ${error.message}`));
    if (entry.closeCode === 'ETIMEDOUT' && entry.kind !== 'listener') {
      // Judged against the last prediction made while it lived (its last view may already lack one).
      const view = store.findByInode(entry.inode);
      const prediction = store.lastPrediction(entry.inode) ?? view?.derived ?? null;
      metrics.countDeath(timeoutCause(view?.keepalive ?? null, prediction?.probesOut ?? 0));
      const lastRecvAt = prediction?.lastRecvAt ?? null;
      const predictedDeadAt = prediction?.deadAt ?? null;
      const measured = lastRecvAt !== null && entry.closedAt !== null ? (entry.closedAt - lastRecvAt) / 1000 : null;
      const predicted = lastRecvAt !== null && predictedDeadAt !== null ? (predictedDeadAt - lastRecvAt) / 1000 : null;
      events.emit({
        type: 'died',
        connectionId: view?.id ?? null,
        ...(view?.netns ? { netns: view.netns } : {}),
        summary:
          `lab ${entry.kind} ${entry.id} died by keepalive timeout (ETIMEDOUT)` +
          (measured !== null ? ` ${measured.toFixed(1)} s after the last receive` : '') +
          (predicted !== null ? `; predicted ${predicted.toFixed(1)} s` : ''),
        actor: null,
        detail: { labId: entry.id, inode: entry.inode, code: 'ETIMEDOUT', owned: true, lastRecvAt, predictedDeadAt, diedAt: entry.closedAt, probesOut: prediction?.probesOut ?? null },
      });
    }
  });
  events.subscribe((event) => {
    if (event.type === 'died' && event.detail?.owned === false) metrics.countDeath(postMortems.get(event.connectionId ?? '')?.gone.cause ?? 'keepalive');
  });
  let observedCollectionAt: number | null = null;
  store.on('delta', (delta) => {
    // A retune's one-connection delta is not a collection: time each collection once.
    const last = store.lastCollection();
    const fresh = last !== null && last.at !== observedCollectionAt;
    observedCollectionAt = last?.at ?? null;
    metrics.observe(delta.totals, store.currentViews(), selected.source.name, fresh ? last.durationMs : null);
    if (fresh) {
      const byLabel = new Map<string, number>();
      for (const [inode, n] of store.countByNetns()) {
        const label = namespaces.ref(inode)?.label ?? `netns:${inode}`;
        byLabel.set(label, (byLabel.get(label) ?? 0) + n);
      }
      metrics.observeNamespaces(byLabel);
    }
  });
  store.on('delta', (delta) => history.record(delta.totals));
  history.start();
  store.on('error', (error) => log(`collection failed: ${error.message}`));

  await fastify.register(cookie);
  await fastify.register(helmet, {
    contentSecurityPolicy: {
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'", 'data:'],
        connectSrc: ["'self'"],
        objectSrc: ["'none'"],
        frameAncestors: ["'none'"],
        baseUri: ["'none'"],
        formAction: ["'self'"],
      },
    },
    crossOriginEmbedderPolicy: false,
  });
  await fastify.register(rateLimit, {
    global: false,
    errorResponseBuilder: (_request, context) => ({ statusCode: 429, code: 'KA_ERR_RATE_LIMITED', message: `too many requests: retry in ${context.after}` }),
  });
  await fastify.register(websocket, { options: { maxPayload: 1024 * 1024 } });

  fastify.server.on('connection', connectionCap(options.maxConnectionsPerAddress ?? 1024));
  fastify.setValidatorCompiler(typeboxValidatorCompiler);
  fastify.addHook('onRequest', hostGuard(new HostAllowlist(options.listenHost ?? '127.0.0.1', options.allowedHosts)));

  fastify.setErrorHandler((error: FastifyError | ApiError, request, reply) => {
    if (error instanceof ApiError) return reply.code(error.status).send(error.toBody());
    const fe = error as FastifyError & { statusCode?: number };
    if (fe.statusCode === 429) return reply.code(429).send({ code: 'KA_ERR_RATE_LIMITED', message: fe.message });
    if (fe.code === 'FST_ERR_CTP_BODY_TOO_LARGE') return reply.code(413).send({ code: 'KA_ERR_PAYLOAD_TOO_LARGE', message: 'request body too large' });
    if (fe.validation || (fe.statusCode !== undefined && fe.statusCode >= 400 && fe.statusCode < 500)) {
      return reply.code(fe.statusCode ?? 400).send({ code: 'KA_ERR_BAD_REQUEST', message: fe.message });
    }
    request.log.error({ err: error }, 'unhandled error');
    return reply.code(500).send({ code: 'KA_ERR_INTERNAL', message: ERRORS.KA_ERR_INTERNAL.message });
  });
  fastify.setNotFoundHandler((request, reply) => {
    reply.code(404).send({ code: 'KA_ERR_NOT_FOUND', message: `no route ${request.method} ${request.url.split('?')[0]?.slice(0, 200)}` });
  });

  // Everything behind the credential: an encapsulated plugin whose onRequest
  // hook runs for exactly the routes matched inside it (see security/guard.ts).
  const guard = credentialGuard({ token: ctx.token, sessions, limiter: ctx.auth.failures, cookieName });
  await fastify.register(async (api) => {
    api.addHook('onRequest', guard);
    await connectionRoutes(api, ctx);
    await bulkRetuneRoutes(api, ctx);
    await hostRoutes(api, ctx);
    await historyRoutes(api, ctx);
    await namespaceRoutes(api, ctx);
    await labRoutes(api, ctx);
    await middleboxRoutes(api, ctx);
    await streamRoutes(api, ctx);
    await sessionRoutes(api, ctx);
    await settingsRoutes(api, ctx);
    await probeRoutes(api, ctx);
    await fleetRoutes(api, ctx, options.prometheusUrl ? new PrometheusClient(options.prometheusUrl) : null);
    if (!ctx.metricsPublic) await metricsRoutes(api, ctx);
    await parseRoutes(api);
  });
  // Public on purpose: the page and its assets (they hold no data), the login exchange, and /metrics with --metrics-public.
  if (ctx.metricsPublic) await metricsRoutes(fastify, ctx);
  await uiRoutes(fastify, ctx, options.webRoot);

  kernelCounters.start();
  if (options.collect ?? true) {
    processMap.start(options.processIntervalMs ?? 10_000);
    store.start(intervalMs);
  } else {
    await processMap.refresh();
  }
  fastify.addHook('onClose', async () => {
    await blackholes.offAll();
    await middlebox.close();
    probes.close();
    kernelCounters.stop();
    store.stop();
    history.stop();
    processMap.stop();
    lab.closeAll();
    audit.close();
  });
};

/** Not encapsulated, so `fastify.ka` is visible to whoever registered it (main.ts, tests). */
export const app = fp(appPlugin, { name: 'keepalive-dashboard', fastify: '5.x' });

export default app;
