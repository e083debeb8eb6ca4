/**
 * Linux capabilities as Docker computes them (moby `oci/caps`, Docker 25 semantics): names are
 * upper-cased and get a `CAP_` prefix, `ALL` is magic in --cap-add/--cap-drop, and a
 * privileged container gets every capability the daemon itself holds, never more (so runc is
 * never asked for one outside its bounding set; compat: Docker 20.10 asked for the kernel's whole
 * list and failed with "unable to apply caps" on hosts such as ours that lack CAP_SYS_RESOURCE).
 */
import { invalidParameter } from '../lib/index.js';
import { DEFAULT_CAPABILITIES } from './spec-defaults.js';

/** Every capability name the kernel knows, indexed by number (containerd `pkg/cap` capsLatest). */
export const KNOWN_CAPABILITIES: readonly string[] = [
  'CAP_CHOWN', 'CAP_DAC_OVERRIDE', 'CAP_DAC_READ_SEARCH', 'CAP_FOWNER', 'CAP_FSETID', 'CAP_KILL',
  'CAP_SETGID', 'CAP_SETUID', 'CAP_SETPCAP', 'CAP_LINUX_IMMUTABLE', 'CAP_NET_BIND_SERVICE',
  'CAP_NET_BROADCAST', 'CAP_NET_ADMIN', 'CAP_NET_RAW', 'CAP_IPC_LOCK', 'CAP_IPC_OWNER',
  'CAP_SYS_MODULE', 'CAP_SYS_RAWIO', 'CAP_SYS_CHROOT', 'CAP_SYS_PTRACE', 'CAP_SYS_PACCT',
  'CAP_SYS_ADMIN', 'CAP_SYS_BOOT', 'CAP_SYS_NICE', 'CAP_SYS_RESOURCE', 'CAP_SYS_TIME',
  'CAP_SYS_TTY_CONFIG', 'CAP_MKNOD', 'CAP_LEASE', 'CAP_AUDIT_WRITE', 'CAP_AUDIT_CONTROL',
  'CAP_SETFCAP', 'CAP_MAC_OVERRIDE', 'CAP_MAC_ADMIN', 'CAP_SYSLOG', 'CAP_WAKE_ALARM',
  'CAP_BLOCK_SUSPEND', 'CAP_AUDIT_READ', 'CAP_PERFMON', 'CAP_BPF', 'CAP_CHECKPOINT_RESTORE',
];

/** The names of the capabilities set in a /proc/<pid>/status mask (`CapEff: 000001fffeffffff`). */
export function capabilitiesFromMask(mask: bigint): string[] {
  const out: string[] = [];
  for (let i = 0; i < KNOWN_CAPABILITIES.length; i++) {
    if ((mask >> BigInt(i)) & 1n) out.push(KNOWN_CAPABILITIES[i]!);
  }
  return out;
}

const ALL = 'ALL';

/**
 * Docker's NormalizeLegacyCapabilities: upper-case, prefix `CAP_`, keep `ALL`. `available` is
 * the list the daemon can grant (see SpecHost.capabilities).
 * Throws invalidParameter `unknown capability: "CAP_FOO"`, or
 * `capability not supported by your kernel or not available in the current environment: "CAP_X"`.
 */
export function normalizeCapabilities(names: readonly string[], available: readonly string[]): string[] {
  const out: string[] = [];
  for (const raw of names) {
    let c = raw.toUpperCase();
    if (c === ALL) {
      out.push(c);
      continue;
    }
    if (!c.startsWith('CAP_')) c = `CAP_${c}`;
    if (!KNOWN_CAPABILITIES.includes(c)) throw invalidParameter(`unknown capability: ${goQuote(c)}`);
    if (!available.includes(c)) {
      throw invalidParameter(
        `capability not supported by your kernel or not available in the current environment: ${goQuote(c)}`,
      );
    }
    out.push(c);
  }
  return out;
}

/**
 * The create-time check of HostConfig.CapAdd/CapDrop (moby daemon/container.go
 * validateCapabilities). Throws invalidParameter `invalid CapAdd: unknown capability: "CAP_FOO"`.
 */
export function validateCapabilities(
  capAdd: readonly string[] | undefined,
  capDrop: readonly string[] | undefined,
  available: readonly string[],
): void {
  for (const [field, list] of [['CapAdd', capAdd], ['CapDrop', capDrop]] as const) {
    try {
      normalizeCapabilities(list ?? [], available);
    } catch (e) {
      throw invalidParameter(`invalid ${field}: ${(e as Error).message}`, e);
    }
  }
}

export interface CapabilityOptions {
  capAdd?: readonly string[];
  capDrop?: readonly string[];
  privileged?: boolean;
}

/**
 * The container's capability list (moby TweakCapabilities): privileged gets all of `available`;
 * `--cap-add ALL` gets all of `available` but the dropped ones; `--cap-drop ALL` gets only the
 * added ones; otherwise the defaults minus drops, then the adds (duplicates kept, as Docker).
 * Throws as validateCapabilities.
 */
export function tweakCapabilities(opts: CapabilityOptions, available: readonly string[]): string[] {
  validateCapabilities(opts.capAdd, opts.capDrop, available);
  if (opts.privileged) return [...available];
  const adds = normalizeCapabilities(opts.capAdd ?? [], available);
  const drops = normalizeCapabilities(opts.capDrop ?? [], available);
  if (adds.length === 0 && drops.length === 0) return [...DEFAULT_CAPABILITIES];
  if (adds.includes(ALL)) return available.filter((c) => !drops.includes(c));
  if (drops.includes(ALL)) return adds;
  return [...DEFAULT_CAPABILITIES.filter((c) => !drops.includes(c)), ...adds];
}

/** Go's %q for the plain ASCII strings used in these messages. */
export function goQuote(s: string): string {
  return JSON.stringify(s);
}
