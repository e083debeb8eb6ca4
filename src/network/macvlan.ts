/**
 * The macvlan driver (moby libnetwork drivers/macvlan, as of Docker 25 / API 1.44): a network
 * is a parent link of the host (`-o parent=eth0`) and a mode (`-o macvlan_mode=bridge|private|
 * vepa|passthru`, bridge by default); each endpoint is a macvlan child of the parent, made in
 * the host namespace and moved into the sandbox as eth<N>, where it gets the IPAM address, the
 * MAC Docker derives from it (or `--mac-address`), the parent's MTU (a macvlan inherits it) and
 * the default route via the network's gateway. No bridge, no iptables rule, no masquerade, no
 * port mapping: the container sits on the parent's L2 segment.
 *
 * Parents the driver makes itself (Docker's CreatedSlaveLink), and deletes with the network:
 *   `-o parent=eth0.10`  an 802.1q sub-interface `eth0.10` of eth0, VLAN 10
 *   no `-o parent`       a dummy link `dm-<network id[:12]>` (the network's containers reach
 *                        only each other)
 * A kernel without 802.1q or dummy links refuses them ("Unknown device type"); the error names
 * the refusal and nothing is left.
 *
 * Pure checks first (options, parent names), then the kernel side (MacvlanParents, and the
 * shell that makes a child from inside a sandbox: macvlanChildShell).
 */
import { promises as fs } from 'node:fs';
import { ExecError, invalidParameter, system, type Ctx } from '../lib/index.js';
import type { IpRoute } from './iproute.js';

export const MACVLAN_PARENT_OPT = 'parent';
export const MACVLAN_MODE_OPT = 'macvlan_mode';
export const MACVLAN_MODES = ['bridge', 'private', 'vepa', 'passthru'] as const;
export type MacvlanMode = (typeof MACVLAN_MODES)[number];

/** What an existing macvlan network contributes to the checks of a new one. */
export interface MacvlanUser {
  id: string;
  parent: string;
}

/** The dummy parent of a network without `-o parent` (moby getDummyName of the truncated ID). */
export function dummyName(networkId: string): string {
  return `dm-${networkId.slice(0, 12)}`;
}

/** A network's parent and mode from its options (the dummy's name without a parent). */
export function macvlanSettings(networkId: string, options: Readonly<Record<string, string>>): { parent: string; mode: MacvlanMode } {
  const mode = (options[MACVLAN_MODE_OPT] || 'bridge') as MacvlanMode;
  return { parent: options[MACVLAN_PARENT_OPT] || dummyName(networkId), mode };
}

/**
 * Docker's checks of a new macvlan network's options (moby parseNetworkOptions, then
 * createNetwork's walk over the other networks). Pure. Throws system errors with Docker's
 * texts: `requested macvlan mode 'x' is not valid, 'bridge' mode is the macvlan driver
 * default`, `loopback interface is not a valid macvlan parent link`, `network dm-<id> is
 * already using parent interface <p>`.
 */
export function checkMacvlanOptions(networkId: string, options: Readonly<Record<string, string>>, others: readonly MacvlanUser[]): { parent: string; mode: MacvlanMode } {
  const mode = options[MACVLAN_MODE_OPT] ?? '';
  if (mode !== '' && !(MACVLAN_MODES as readonly string[]).includes(mode)) throw system(`requested macvlan mode '${mode}' is not valid, 'bridge' mode is the macvlan driver default`);
  if (options[MACVLAN_PARENT_OPT] === 'lo') throw system('loopback interface is not a valid macvlan parent link');
  const s = macvlanSettings(networkId, options);
  // compat: Docker 25 (API 1.44) lets one macvlan network use a parent; Docker 27 relaxed it to
  // "unless one of them is in passthru mode". Different VLANs are different parents (eth0.10, eth0.20).
  const other = others.find((o) => o.id !== networkId && o.parent === s.parent);
  if (other) throw system(`network ${dummyName(other.id)} is already using parent interface ${s.parent}`);
  return s;
}

/** A VLAN sub-interface name split into its link and VLAN ID (moby parseVlan, without the existence check). */
export function parseVlan(name: string): { link: string; vid: number } {
  const parts = name.split('.');
  if (parts.length !== 2) throw system(`required interface name format is: name.vlan_id, ex. eth0.10 for vlan 10, instead received ${name}`);
  const [link, vidText] = parts as [string, string];
  // Go's strconv.Atoi: an optional sign and decimal digits
  if (!/^[+-]?\d+$/.test(vidText)) throw system(`unable to parse a valid vlan id from: ${vidText} (ex. eth0.10 for vlan 10)`);
  return { link, vid: Number(vidText) };
}

/** The ip batch lines that make a parent the driver owns (Docker's createVlanLink / createDummyLink). */
export function parentLines(networkId: string, parent: string): { kind: 'dummy' | 'vlan'; lines: string[] } {
  if (parent === dummyName(networkId)) return { kind: 'dummy', lines: [`link add ${parent} type dummy`, `link set ${parent} up`] };
  if (!parent.includes('.')) throw system(`invalid subinterface vlan name ${parent}, example formatting is eth0.10`);
  const { link, vid } = parseVlan(parent);
  return { kind: 'vlan', lines: [`link add link ${link} name ${parent} type vlan id ${vid}`, `link set ${parent} up`] };
}

const IFNAME = /^[A-Za-z0-9_][A-Za-z0-9_.:@-]{0,14}$/;

/** Checks a link name that ends up in an ip batch line (no spaces, no newlines, at most 15 bytes). */
export function checkIfName(name: string): string {
  if (!IFNAME.test(name)) throw invalidParameter(`invalid interface name ${JSON.stringify(name)}`);
  return name;
}

/** One macvlan endpoint as the sandbox makes it. */
export interface MacvlanChildSpec {
  /** eth0, eth1, … inside the sandbox. */
  ifName: string;
  parent: string;
  mode: MacvlanMode;
  mac: string;
}

/**
 * The sh line that makes a macvlan child of `parent` from inside a sandbox's namespace: ip runs
 * in the host's namespace (nsenter into berthd's), finds the parent there and creates the child
 * directly in the namespace of the script's shell (`netns $$`) under its final name, so no
 * temporary name ever shows in the host. Its MTU is the parent's (the kernel's default for a
 * macvlan). For `sh -e`, before the namespace's own `ip -batch -`.
 */
export function macvlanChildShell(s: MacvlanChildSpec, bins: { nsenter: string; ip: string; hostPid: number }): string {
  for (const n of [s.ifName, s.parent]) checkIfName(n);
  if (!/^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/i.test(s.mac)) throw invalidParameter(`invalid MAC address ${s.mac}`);
  if (!(MACVLAN_MODES as readonly string[]).includes(s.mode)) throw invalidParameter(`invalid macvlan mode ${s.mode}`);
  return `${bins.nsenter} --net=/proc/${bins.hostPid}/ns/net ${bins.ip} link add link ${s.parent} name ${s.ifName} address ${s.mac} netns $$ type macvlan mode ${s.mode}`;
}

/** The kernel's reason in an ip error ("Error: Unknown device type." -> "Unknown device type"). */
export function ipReason(e: unknown): string {
  const text = e instanceof ExecError ? e.stderr : e instanceof Error ? e.message : String(e);
  const line = text.split('\n').find((l) => l.trim() && !/^Command failed/.test(l)) ?? text;
  return line.replace(/^(Error:|RTNETLINK answers:)\s*/, '').replace(/\.\s*$/, '').trim();
}

/**
 * A macvlan child a sandbox's script could not make (sandbox.ts stops with `failed to create
 * the macvlan port: <ip's error>` on stderr): Docker's message with the kernel's reason.
 * Anything else is thrown as it is.
 */
export function macvlanPortError(e: unknown): never {
  const m = e instanceof ExecError ? /failed to create the macvlan port: ([^\n]*)/.exec(e.stderr) : null;
  if (m) throw system(`failed to create the macvlan port: ${ipReason(m[1])}`, e);
  throw e;
}

export interface MacvlanParentsDeps {
  ip: Pick<IpRoute, 'host'>;
  /** Whether a link exists in the host namespace (default: /sys/class/net/<name>). */
  linkExists?: (name: string) => Promise<boolean>;
}

/** The parents of macvlan networks in the host namespace: checking them, making and deleting the driver's own. */
export class MacvlanParents {
  private readonly exists: (name: string) => Promise<boolean>;

  constructor(private readonly deps: MacvlanParentsDeps) {
    this.exists = deps.linkExists ?? ((n) => fs.access(`/sys/class/net/${n}`).then(() => true, () => false));
  }

  /** Whether the link is there. */
  has(name: string): Promise<boolean> {
    return /[/\0]/.test(name) || name === '.' || name === '..' ? Promise.resolve(false) : this.exists(name);
  }

  /**
   * What a new network's parent needs: undefined when it exists, else the link the driver will
   * make (checked as Docker does: `invalid subinterface vlan name …`, `-o parent interface was
   * not found on the host: eth9`, `vlan id must be between 1-4094, received: N`).
   */
  async toCreate(networkId: string, parent: string): Promise<string | undefined> {
    if (await this.has(parent)) return undefined;
    const { kind } = parentLines(networkId, parent);
    if (kind === 'vlan') {
      const { link, vid } = parseVlan(parent);
      if (!(await this.has(link))) throw system(`-o parent interface was not found on the host: ${link}`);
      if (vid > 4094 || vid < 1) throw system(`vlan id must be between 1-4094, received: ${vid}`);
    }
    checkIfName(parent);
    return parent;
  }

  /**
   * Makes the driver's own parent (when missing) and brings it up. On failure nothing is left;
   * throws system `failed to create eth0.10 vlan link: <the kernel's reason>` (Docker's text),
   * or, for the dummy, an error that says why a dummy was wanted.
   */
  async create(ctx: Ctx, networkId: string, parent: string): Promise<void> {
    if (await this.has(parent)) return;
    const { kind, lines } = parentLines(networkId, parent);
    try {
      await this.deps.ip.host(ctx, lines);
    } catch (e) {
      await this.remove(ctx, parent).catch(() => {});
      const why = ipReason(e);
      if (kind === 'vlan') throw system(`failed to create ${parent} vlan link: ${why} (the kernel refused an 802.1q link)`, e);
      throw system(`failed to create the dummy link ${parent} that a macvlan network without -o parent uses as its parent: ${why} (the kernel refused a dummy link)`, e);
    }
  }

  /** Deletes a parent the driver made; one already gone is fine. */
  async remove(ctx: Ctx, parent: string): Promise<void> {
    if (!(await this.has(parent))) return;
    try {
      await this.deps.ip.host(ctx, [`link del ${checkIfName(parent)}`]);
    } catch (e) {
      if (!(e instanceof ExecError) || !/Cannot find device|does not exist/.test(e.stderr)) throw e;
    }
  }
}
