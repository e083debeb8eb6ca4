/**
 * The sandbox side of the embedded DNS server (dns.ts): inside a container's network
 * namespace, 127.0.0.11:53 (UDP and TCP) is NATed to the server listening in the host
 * namespace on the network's gateway, <gw>:<port>. Docker runs its resolver inside the
 * namespace instead (moby resolver_unix.go setupIPTable); berthd cannot enter namespaces, so
 * the packets leave through the container's interface:
 *
 *   nat OUTPUT       -d 127.0.0.11 --dport 53 -> DNAT <gw>:<port>
 *   nat POSTROUTING  -s 127.0.0.0/8 -d <gw> --dport <port> -> SNAT <containerIp>
 *                    (the server answers to the container's address and sees who asks;
 *                    conntrack turns the replies back into 127.0.0.11:53 -> 127.0.0.1)
 *   route_localnet=1 on <ifname> (in the namespace): without it the kernel refuses to route
 *                    a packet with a loopback source out of eth0 (sendto: EINVAL) and drops the
 *                    reply, whose destination turns back into 127.0.0.1, as martian. The
 *                    interface's own setting is enough (the kernel ORs it with `all`); `all` is
 *                    left alone so that other interfaces keep the default.
 *   raw PREROUTING   -d 127.0.0.0/8 ! -i lo -> DROP
 *                    route_localnet also makes the namespace accept packets *to* 127.0.0.0/8
 *                    arriving on eth0: any neighbour on the bridge could reach services the
 *                    container binds to 127.0.0.1 (the CVE-2020-8558 class). The raw table sees
 *                    the replies of our NAT still addressed to the container's address (the
 *                    NAT is undone later, at nat PREROUTING), so this drops only such packets.
 *
 * On a DNS link (dns-link.ts: a veth pair of its own between the sandbox and the host, for
 * sandboxes whose networks have no gateway of ours, e.g. macvlan) the sandbox may send nothing
 * else through that link:
 *   filter OUTPUT    -o <ifname> -> BERTH_DNS_FILTER: ACCEPT udp/tcp to <gw>:<port>, else DROP
 * (a courtesy: a packet socket gets past it; the host end is guarded on the host, rules.ts)
 *
 * The rules live in chains of their own (BERTH_DNS_*), jumped to from the built-in chains as
 * Docker's DOCKER_OUTPUT/DOCKER_POSTROUTING are: iptables-restore --noflush empties a chain it
 * declares, so applying again replaces the rules; with `replace`, the jumps of an earlier apply
 * are deleted first so that they are not doubled.
 */
import net from 'node:net';
import { invalidParameter, type Ctx, type Exec } from '../lib/index.js';

export const RESOLVER_IP = '127.0.0.11';

export const DNS_CHAINS = { output: 'BERTH_DNS_OUTPUT', postrouting: 'BERTH_DNS_POSTROUTING', prerouting: 'BERTH_DNS_PREROUTING', filter: 'BERTH_DNS_FILTER' } as const;

export interface SandboxDnsSpec {
  /** The server's address in the host namespace (the bridge's gateway). */
  gateway: string;
  /** The server's port (UDP and TCP). */
  port: number;
  /** The container's address on that network (what the server sees as the client). */
  containerIp: string;
  /** The container's interface towards the gateway (eth0). */
  ifname: string;
  /** The interface is a DNS link: nothing but DNS to gateway:port may leave through it. */
  onlyDns?: boolean;
}

export interface SandboxDnsSetup {
  /** A script for `iptables-restore --noflush` inside the namespace. */
  iptablesRestore: string;
  /** /proc/sys paths -> values, to be written from inside the namespace. */
  sysctls: Record<string, string>;
}

/** The jumps from built-in chains, as [table, chain, ...match]: what `replace` deletes. */
const JUMPS: readonly (readonly string[])[] = [
  ['raw', 'PREROUTING', '-d', '127.0.0.0/8', '-j', DNS_CHAINS.prerouting],
  ['nat', 'OUTPUT', '-d', `${RESOLVER_IP}/32`, '-j', DNS_CHAINS.output],
  ['nat', 'POSTROUTING', '-s', '127.0.0.0/8', '-j', DNS_CHAINS.postrouting],
];
const filterJump = (ifname: string): readonly string[] => ['filter', 'OUTPUT', '-o', ifname, '-j', DNS_CHAINS.filter];

/** The jumps a setup made (the link's filter jump included): parsed back from its rules. */
function jumpsOf(restore: string): readonly (readonly string[])[] {
  const m = new RegExp(`^-I OUTPUT 1 -o (\\S+) -j ${DNS_CHAINS.filter}$`, 'm').exec(restore);
  return m ? [filterJump(m[1]!), ...JUMPS] : JUMPS;
}

const IFNAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,14}$/;

/**
 * The rules and sysctls that send 127.0.0.11:53 of a sandbox to the server at gateway:port.
 * Pure. Throws invalidParameter for addresses that are not IPv4, a bad port or interface name.
 */
export function sandboxDnsSetup(spec: SandboxDnsSpec): SandboxDnsSetup {
  const { gateway, port, containerIp, ifname, onlyDns } = spec;
  if (!net.isIPv4(gateway)) throw invalidParameter(`embedded DNS: gateway is not an IPv4 address: ${gateway}`);
  if (!net.isIPv4(containerIp)) throw invalidParameter(`embedded DNS: container address is not IPv4: ${containerIp}`);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw invalidParameter(`embedded DNS: invalid port ${port}`);
  if (!IFNAME.test(ifname)) throw invalidParameter(`embedded DNS: invalid interface name ${JSON.stringify(ifname)}`);
  const jump = (j: readonly string[]) => `-I ${j[1]} 1 ${j.slice(2).join(' ')}`;
  const lines: string[] = [];
  if (onlyDns) {
    const f = DNS_CHAINS.filter;
    lines.push('*filter', `:${f} - [0:0]`);
    for (const proto of ['udp', 'tcp']) lines.push(`-A ${f} -d ${gateway}/32 -p ${proto} -m ${proto} --dport ${port} -j ACCEPT`);
    lines.push(`-A ${f} -j DROP`, jump(filterJump(ifname)), 'COMMIT');
  }
  lines.push(
    '*raw',
    `:${DNS_CHAINS.prerouting} - [0:0]`,
    `-A ${DNS_CHAINS.prerouting} ! -i lo -j DROP`,
    jump(JUMPS[0]!),
    'COMMIT',
    '*nat',
    `:${DNS_CHAINS.output} - [0:0]`,
    `:${DNS_CHAINS.postrouting} - [0:0]`,
  );
  for (const proto of ['udp', 'tcp']) {
    lines.push(`-A ${DNS_CHAINS.output} -p ${proto} -m ${proto} --dport 53 -j DNAT --to-destination ${gateway}:${port}`);
  }
  for (const proto of ['udp', 'tcp']) {
    lines.push(`-A ${DNS_CHAINS.postrouting} -d ${gateway}/32 -p ${proto} -m ${proto} --dport ${port} -j SNAT --to-source ${containerIp}`);
  }
  lines.push(jump(JUMPS[1]!), jump(JUMPS[2]!), 'COMMIT', '');
  return {
    iptablesRestore: lines.join('\n'),
    sysctls: { [`/proc/sys/net/ipv4/conf/${ifname}/route_localnet`]: '1' },
  };
}

export interface ApplySandboxDnsOptions {
  /** Delete the jumps of an earlier apply first (the namespace was set up before, e.g. for another port). */
  replace?: boolean;
  bins?: { nsenter?: string; sh?: string; iptables?: string; iptablesRestore?: string };
  timeoutMs?: number;
}

const HEREDOC = 'BERTH_DNS_RULES';

/** The restore script with each jump deleted right before it is inserted again. */
function withDeletedJumps(restore: string): string {
  let out = restore;
  for (const [, chain, ...rest] of jumpsOf(restore)) {
    const match = rest.join(' ');
    out = out.replace(`-I ${chain} 1 ${match}\n`, `-D ${chain} ${match}\n-I ${chain} 1 ${match}\n`);
  }
  if (out.split('\n').includes(HEREDOC)) throw invalidParameter('embedded DNS: the rules contain the here-document marker');
  return out;
}

/** Single-quotes a word for sh. */
function shQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/**
 * The sh commands that apply `setup` from inside the namespace: iptables-restore --noflush on
 * the rules (a here-document), then the sysctls (so that a failed restore leaves
 * route_localnet off). With `replace`, the rules go first with the earlier jumps deleted in
 * the same transaction, falling back to deleting them one by one. For `sh -e`; the sandbox
 * setup (sandbox.ts) appends them to its own script, so one process start does both.
 */
export function sandboxDnsShell(setup: SandboxDnsSetup, opts: Pick<ApplySandboxDnsOptions, 'replace' | 'bins'> = {}): string {
  const b = opts.bins ?? {};
  const restore = `${shQuote(b.iptablesRestore ?? 'iptables-restore')} -w --noflush`;
  const heredoc = (rules: string) => {
    if (rules.split('\n').includes(HEREDOC)) throw invalidParameter('embedded DNS: the rules contain the here-document marker');
    return [`${rules.trimEnd()}`, HEREDOC];
  };
  const script: string[] = [];
  if (opts.replace) {
    // One transaction that deletes the old jumps and inserts the new ones; it fails as a whole
    // when a jump is missing, and then each one is deleted on its own (slower, a process each).
    script.push(`if ${restore} 2>/dev/null <<'${HEREDOC}'`, ...heredoc(withDeletedJumps(setup.iptablesRestore)), 'then :', 'else');
    for (const [table, chain, ...rest] of jumpsOf(setup.iptablesRestore)) {
      script.push(`${shQuote(b.iptables ?? 'iptables')} -w -t ${table} -D ${chain} ${rest.join(' ')} 2>/dev/null || true`);
    }
    script.push(`${restore} <<'${HEREDOC}'`, ...heredoc(setup.iptablesRestore), 'fi');
  } else {
    script.push(`${restore} <<'${HEREDOC}'`, ...heredoc(setup.iptablesRestore));
  }
  // The sysctls last: route_localnet must not be on while the guard rule is not in place.
  for (const [path, value] of Object.entries(setup.sysctls)) {
    if (!path.startsWith('/proc/sys/') || path.includes('..')) throw invalidParameter(`embedded DNS: not a sysctl path: ${path}`);
    script.push(`printf '%s\\n' ${shQuote(value)} > ${shQuote(path)}`);
  }
  return script.join('\n');
}

/** The argv of the one process start (nsenter, sh) that applies `setup` inside the namespace at netnsPath. */
export function applySandboxDnsArgv(netnsPath: string, setup: SandboxDnsSetup, opts: ApplySandboxDnsOptions = {}): { bin: string; argv: string[]; input: string } {
  const b = opts.bins ?? {};
  return { bin: b.nsenter ?? 'nsenter', argv: [`--net=${netnsPath}`, b.sh ?? 'sh', '-c', `set -e\n${sandboxDnsShell(setup, opts)}`], input: '' };
}

/**
 * Applies `setup` inside the namespace bind-mounted at netnsPath with one process start.
 * Throws the ExecError of the failing step (a missing interface, iptables refusing a rule).
 * Without `replace`, applying twice doubles the jumps (harmless, but untidy).
 */
export async function applySandboxDns(ctx: Ctx, exec: Exec, netnsPath: string, setup: SandboxDnsSetup, opts: ApplySandboxDnsOptions = {}): Promise<void> {
  const { bin, argv, input } = applySandboxDnsArgv(netnsPath, setup, opts);
  await exec.run(ctx, bin, argv, { input, timeoutMs: opts.timeoutMs ?? 10_000 });
}
