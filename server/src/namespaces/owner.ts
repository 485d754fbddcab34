/**
 * Which container, pod or systemd unit a process belongs to, from the paths
 * in /proc/PID/cgroup. The runtimes name their cgroups (cgroup v2 line
 * `0::/path`, v1 lines `N:controllers:/path`) in a few well-known shapes:
 *   docker      /docker/<id>, …/docker-<id>.scope
 *   containerd  …/cri-containerd-<id>.scope
 *   cri-o       …/crio-<id>.scope
 *   podman      …/libpod-<id>.scope
 *   lxc         /lxc/<name>, /lxc.payload.<name>
 *   kubernetes  …/kubepods…/pod<uid>/<id> (cgroupfs driver, runtime unnamed),
 *               kubepods-…-pod<uid_with_underscores>.slice (systemd driver)
 *   systemd     …/<unit>.service (PrivateNetwork= services have a namespace of their own)
 */
import type { NetnsOwner } from '@keepalive-dashboard/shared';

const ID = '[0-9a-f]{64}';
const SCOPES: readonly [NetnsOwner['runtime'], RegExp][] = [
  ['docker', new RegExp(`(?:^|/)docker-(${ID})\\.scope(?:/|$)`)],
  ['docker', new RegExp(`(?:^|/)docker/(${ID})(?:/|$)`)],
  ['containerd', new RegExp(`(?:^|/)cri-containerd-(${ID})\\.scope(?:/|$)`)],
  ['cri-o', new RegExp(`(?:^|/)crio-(${ID})\\.scope(?:/|$)`)],
  ['podman', new RegExp(`(?:^|/)libpod-(${ID})\\.scope(?:/|$)`)],
];
const POD_UID = /(?:^|[/-])pod([0-9a-f]{8}[-_][0-9a-f]{4}[-_][0-9a-f]{4}[-_][0-9a-f]{4}[-_][0-9a-f]{12})(?:\.slice)?(?:\/|$)/;
const KUBEPODS_CONTAINER = new RegExp(`/kubepods[^]*/pod[^/]+/(${ID})(?:/|$)`);
const LXC = /^\/lxc(?:\/|\.payload\.)([^/]+)/;
const UNIT = /(?:^|\/)([^/]+\.service)(?:\/|$)/;

/** The cgroup paths of a /proc/PID/cgroup text, v2's first. */
function cgroupPaths(text: string): string[] {
  const paths: string[] = [];
  for (const line of text.split('\n')) {
    const m = /^(\d+):([^:]*):(.*)$/.exec(line);
    if (!m) continue;
    if (m[1] === '0' && m[2] === '') paths.unshift(m[3] as string);
    else paths.push(m[3] as string);
  }
  return paths;
}

export function ownerFromCgroup(text: string): NetnsOwner | null {
  const paths = cgroupPaths(text);
  let unit: string | null = null;
  for (const path of paths) {
    const podMatch = POD_UID.exec(path);
    const podUid = podMatch ? (podMatch[1] as string).replace(/_/g, '-') : null;
    for (const [runtime, pattern] of SCOPES) {
      const m = pattern.exec(path);
      if (m) return { runtime, id: m[1] as string, podUid };
    }
    const kube = KUBEPODS_CONTAINER.exec(path);
    if (kube) return { runtime: 'kubernetes', id: kube[1] as string, podUid };
    if (podUid) return { runtime: 'kubernetes', id: '', podUid };
    const lxc = LXC.exec(path);
    if (lxc) return { runtime: 'lxc', id: lxc[1] as string, podUid: null };
    unit ??= UNIT.exec(path)?.[1] ?? null;
  }
  return unit ? { runtime: 'systemd', id: unit, podUid: null } : null;
}

/** How a row names the owner: `docker:<name or 12-char id>`, `pod:<uid>`, `systemd:<unit>`. */
export function ownerLabel(owner: NetnsOwner, containerName: string | null = null): string {
  if (owner.runtime === 'systemd') return `systemd:${owner.id}`;
  if (owner.podUid) return `pod:${owner.podUid}`;
  return `${owner.runtime}:${containerName ?? owner.id.slice(0, 12)}`;
}
