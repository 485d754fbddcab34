/** The Kubernetes DaemonSet: a schema of the fields that matter, held by the manifest and able to catch each weakening. */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';

import { parseCli } from '../../server/src/cli.js';
import { REPO_ROOT } from '../helpers/processes.js';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

// No YAML parser among the npm dependencies: Debian's python3-yaml (PyYAML, YAML 1.1 like Kubernetes: 0400 is octal).
const parsed = JSON.parse(execFileSync('python3', ['-c', 'import json,sys,yaml; print(json.dumps(yaml.safe_load(sys.stdin)))'], { input: readFileSync(`${REPO_ROOT}deploy/kubernetes/daemonset.yaml`), encoding: 'utf8' })) as Json;
/** A fresh copy each time: a test may weaken its own. */
const manifest = (): Json => structuredClone(parsed);

/** The value at a dotted path (numbers index arrays); undefined when any step is missing. */
function at(value: Json | undefined, path: string): Json | undefined {
  for (const step of path.split('.')) {
    if (value === null || typeof value !== 'object' || value === undefined) return undefined;
    value = Array.isArray(value) ? value[Number(step)] : value[step];
  }
  return value;
}

const POD = 'spec.template.spec';
const AGENT = `${POD}.containers.0`;
const is = (expected: Json) => (v: Json | undefined): boolean => JSON.stringify(v) === JSON.stringify(expected);
const quantity = (v: Json | undefined): boolean => typeof v === 'string' && /^\d+(m|Mi|Gi)?$/.test(v);

/** What the agent's DaemonSet must say: each entry a path and what its value must be. */
const SCHEMA: [string, (v: Json | undefined) => boolean][] = [
  ['apiVersion', is('apps/v1')],
  ['kind', is('DaemonSet')],
  [`${POD}.hostNetwork`, is(true)],
  [`${POD}.hostPID`, is(true)],
  [`${POD}.automountServiceAccountToken`, is(false)],
  [`${AGENT}.securityContext.readOnlyRootFilesystem`, is(true)],
  [`${AGENT}.securityContext.allowPrivilegeEscalation`, is(false)],
  [`${AGENT}.securityContext.privileged`, is(false)],
  [`${AGENT}.securityContext.capabilities.drop`, is(['ALL'])],
  [`${AGENT}.securityContext.capabilities.add`, is(['SYS_PTRACE', 'SYS_ADMIN', 'NET_RAW'])],
  [`${AGENT}.resources.limits.cpu`, quantity],
  [`${AGENT}.resources.limits.memory`, quantity],
  [`${AGENT}.resources.requests.memory`, quantity],
  [`${POD}.volumes.0.secret.secretName`, is('keepalive-dashboard-token')],
  [`${POD}.volumes.0.secret.defaultMode`, is(0o400)],
  [`${AGENT}.volumeMounts.0.name`, is('token')],
  [`${AGENT}.volumeMounts.0.readOnly`, is(true)],
  ['spec.selector.matchLabels', is({ 'app.kubernetes.io/name': 'keepalive-dashboard' })],
  ['spec.template.metadata.labels', is({ 'app.kubernetes.io/name': 'keepalive-dashboard' })],
];

const violations = (doc: Json): string[] => SCHEMA.filter(([path, ok]) => !ok(at(doc, path))).map(([path]) => `${path}: ${JSON.stringify(at(doc, path))}`);

test('the DaemonSet holds every field of the schema', () => {
  assert.deepEqual(violations(manifest()), []);
});

test('the schema catches a weakened copy: privileged, a writable root, an extra capability, no memory limit', () => {
  const weakened = manifest() as { spec: { template: { spec: { containers: { securityContext: Record<string, Json>; resources: { limits: Record<string, Json> } }[] } } } };
  const agent = weakened.spec.template.spec.containers[0];
  assert.ok(agent);
  agent.securityContext.privileged = true;
  agent.securityContext.readOnlyRootFilesystem = false;
  (agent.securityContext.capabilities as { add: string[] }).add.push('NET_ADMIN');
  delete agent.resources.limits.memory;
  assert.equal(violations(weakened as unknown as Json).length, 4);
});

test("the container's command is flags the CLI accepts: read-only, on all addresses, the token from the Secret's file", () => {
  const command = at(manifest(), `${AGENT}.command`) as string[];
  assert.deepEqual(command.slice(0, 2), ['node', '/app/server/dist/main.js']);
  const options = parseCli(command.slice(2), {});
  assert.equal(options.readOnly, true);
  assert.equal(options.host, '0.0.0.0');
  assert.equal(options.port, at(manifest(), `${AGENT}.ports.0.containerPort`));
  const mount = at(manifest(), `${AGENT}.volumeMounts.0.mountPath`) as string;
  assert.equal(options.tokenFile, `${mount}/${String(at(manifest(), `${POD}.volumes.0.secret.items.0.path`))}`);
  assert.ok(options.auditLog?.startsWith(`${String(at(manifest(), `${AGENT}.volumeMounts.1.mountPath`))}/`), 'the audit log is on the writable state volume');
});

test('the DaemonSet adds the same capabilities the systemd unit holds', () => {
  const unit = readFileSync(`${REPO_ROOT}deploy/systemd/keepalive-dashboard.service`, 'utf8');
  const unitCaps = (/^CapabilityBoundingSet=(.*)$/m.exec(unit)?.[1] ?? '').split(/\s+/).map((c) => c.replace(/^CAP_/, '')).sort();
  assert.deepEqual(unitCaps, [...(at(manifest(), `${AGENT}.securityContext.capabilities.add`) as string[])].sort());
});
