/**
 * The iptables rules of a bridge network as Docker lays them out (moby libnetwork
 * drivers/bridge/setup_ip_tables.go, iptables/iptables.go), under Berth's chain prefix P
 * (`--iptables-chain-prefix`, default BERTH; Docker's is DOCKER), and the scripts that converge
 * the kernel's tables to them. Pure functions: iptables.ts runs the scripts.
 *
 *   filter  P                       per published port: ACCEPT to the container's port
 *           P-USER                  the user's own rules; created with `-j RETURN`, never flushed
 *           P-ISOLATION-STAGE-1/2   traffic leaving one bridge for another is dropped
 *           P-DNS-LINKS             per DNS link of a sandbox (dns-link.ts): -i bdns<hex> -d <host end>
 *                                   udp/tcp --dport <its listener> ACCEPT, then -i bdns<hex> DROP;
 *                                   no catch-all, so another daemon's links pass through untouched
 *           INPUT                   -i bdns+ -j P-DNS-LINKS (first; only while there are links)
 *           FORWARD                 -i bdns+ -j P-DNS-LINKS (while there are links), -j P-USER,
 *                                   -j P-ISOLATION-STAGE-1, -o br conntrack ACCEPT,
 *                                   -o br -j P, -i br ! -o br ACCEPT, -i br -o br ACCEPT|DROP (icc)
 *   nat     P                       -i br -j RETURN (with the proxy and ip-masq), then per port DNAT
 *           PREROUTING              -m addrtype --dst-type LOCAL -j P
 *           OUTPUT                  ! -d 127.0.0.0/8 -m addrtype --dst-type LOCAL -j P
 *                                   (without `! -d` when the proxy is off: hairpin NAT)
 *           POSTROUTING             -s subnet ! -o br -j MASQUERADE (ip-masq),
 *                                   -o br --src-type LOCAL MASQUERADE (proxy off),
 *                                   per port: -s c/32 -d c/32 -p proto --dport p MASQUERADE
 *
 * Rules are written in iptables-save's canonical form, so what the kernel reports compares as
 * text. A rule of a built-in chain is ours when it jumps to one of our chains, names our bridge
 * (-i/-o), or is a per-port MASQUERADE of an address in our subnet; nothing else is ever
 * deleted.
 *
 * The DNS links' filter (Docker has none: its macvlan containers cannot reach the host at all)
 * keeps a container, whatever it sends out of its dns0 (packet sockets with CAP_NET_RAW skip
 * the sandbox's own filter), from reaching anything on the host but its link's DNS listener:
 * INPUT guards the host's services (all of them answer on the link's address, and on every
 * other host address the weak host model lets it name), FORWARD anything routed on should the
 * link's forwarding be turned back on (a write to net.ipv4.ip_forward resets it on every
 * interface). The chain exists only while there are links, and goes with the last one.
 */
import { Cidr, parseIPv4 } from './ipnet.js';
import { DNS_LINK_HOST_PREFIX } from './dns-link.js';

export type Table = 'filter' | 'nat';

export interface Rule {
  table: Table;
  chain: string;
  /** The rule after `-A <chain> `, canonical. */
  spec: string;
}

/** What the rules of one bridge network depend on. */
export interface BridgeFirewall {
  /** Chain prefix, e.g. BERTH. */
  prefix: string;
  bridge: string;
  /** The bridge subnet, e.g. 172.17.0.0/16. */
  subnet: string;
  icc: boolean;
  ipMasq: boolean;
  /** true with --userland-proxy (Docker's default); false: hairpin NAT through route_localnet. */
  userlandProxy: boolean;
  /** `--internal`: no traffic leaves the bridge (no masquerade, no forwarding out, no ports). */
  internal?: boolean;
}

/** One bridge network's firewall, or all of them (the same prefix and proxy mode). */
export type Firewalls = BridgeFirewall | readonly BridgeFirewall[];
const all = (f: Firewalls): readonly BridgeFirewall[] => (Array.isArray(f) ? f : [f as BridgeFirewall]);

/** One IPv4 port forward (IPv6 host bindings are served by the userland proxy alone). */
export interface PortForward {
  proto: 'tcp' | 'udp';
  /** 0.0.0.0 for every address. */
  hostIp: string;
  hostPort: number;
  containerIp: string;
  containerPort: number;
  /** The bridge of the container's endpoint (the first firewall's when absent). */
  bridge?: string;
}

export function chainNames(prefix: string) {
  return {
    main: prefix,
    user: `${prefix}-USER`,
    iso1: `${prefix}-ISOLATION-STAGE-1`,
    iso2: `${prefix}-ISOLATION-STAGE-2`,
    links: `${prefix}-DNS-LINKS`,
  };
}

/** The host end of one DNS link (dns-link.ts), as the host's filter sees it. */
export interface LinkFilter {
  /** bdns<hex>. */
  ifHost: string;
  /** The host end's address, where the link's DNS listener is. */
  hostIp: string;
  /** The listener's port; absent while it does not listen yet: then everything is dropped. */
  port?: number;
}

/** The DNS links of one daemon (its chain prefix). */
export interface LinkFirewall {
  prefix: string;
  links: readonly LinkFilter[];
}

/** The content of P-DNS-LINKS: per link, DNS to its listener, then nothing else from it. */
export function linkChainRules(links: readonly LinkFilter[]): string[] {
  return links.flatMap((l) => [
    ...(l.port === undefined ? [] : (['udp', 'tcp'] as const).map((p) => `-d ${l.hostIp}/32 -i ${l.ifHost} -p ${p} -m ${p} --dport ${l.port} -j ACCEPT`)),
    `-i ${l.ifHost} -j DROP`,
  ]);
}

/** The jumps from the built-in chains to P-DNS-LINKS (none without links). */
export function linkJumps(f: LinkFirewall): Rule[] {
  if (f.links.length === 0) return [];
  const spec = `-i ${DNS_LINK_HOST_PREFIX}+ -j ${chainNames(f.prefix).links}`;
  return [
    { table: 'filter', chain: 'INPUT', spec },
    { table: 'filter', chain: 'FORWARD', spec },
  ];
}

/** Whether a rule of a built-in chain is a jump to this prefix's P-DNS-LINKS. */
export function isOwnLinkRule(prefix: string, chain: string, spec: string): boolean {
  if (!BUILTIN.has(chain)) return false;
  const t = spec.split(/\s+/);
  const target = chainNames(prefix).links;
  return t.some((x, i) => (x === '-j' || x === '-g') && t[i + 1] === target);
}

const BUILTIN = new Set(['INPUT', 'OUTPUT', 'FORWARD', 'PREROUTING', 'POSTROUTING']);

/** Our chains with their fixed content (not P-USER, which belongs to the user). */
export function ownChains(f: Firewalls): { table: Table; chain: string; head: string[] }[] {
  const fws = all(f);
  const c = chainNames(fws[0]!.prefix);
  const iso1: string[] = [];
  const iso2: string[] = [];
  const nat: string[] = [];
  for (const fw of fws) {
    const br = fw.bridge;
    if (fw.internal) {
      // compat: an internal network's isolation (moby setINC): nothing in from, nothing out to, other subnets
      iso1.push(`! -s ${fw.subnet} -o ${br} -j DROP`, `-i ${br} ! -d ${fw.subnet} -j DROP`);
      continue;
    }
    iso1.push(`-i ${br} ! -o ${br} -j ${c.iso2}`);
    iso2.push(`-o ${br} -j DROP`);
    // compat: Docker skips DNAT for traffic from the bridge only when masquerading without hairpin.
    if (fw.userlandProxy && fw.ipMasq) nat.push(`-i ${br} -j RETURN`);
  }
  return [
    { table: 'filter', chain: c.main, head: [] },
    { table: 'filter', chain: c.iso1, head: [...iso1, '-j RETURN'] },
    { table: 'filter', chain: c.iso2, head: [...iso2, '-j RETURN'] },
    { table: 'nat', chain: c.main, head: nat },
  ];
}

/** The rules of the built-in chains, each chain's in Docker's order. */
export function builtinRules(f: Firewalls): Rule[] {
  const fws = all(f);
  const first = fws[0]!;
  const c = chainNames(first.prefix);
  const rules: Rule[] = [
    { table: 'filter', chain: 'FORWARD', spec: `-j ${c.user}` },
    { table: 'filter', chain: 'FORWARD', spec: `-j ${c.iso1}` },
  ];
  for (const fw of fws) {
    const br = fw.bridge;
    if (!fw.internal) {
      rules.push(
        { table: 'filter', chain: 'FORWARD', spec: `-o ${br} -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT` },
        { table: 'filter', chain: 'FORWARD', spec: `-o ${br} -j ${c.main}` },
        { table: 'filter', chain: 'FORWARD', spec: `-i ${br} ! -o ${br} -j ACCEPT` },
      );
    }
    rules.push({ table: 'filter', chain: 'FORWARD', spec: `-i ${br} -o ${br} -j ${fw.icc ? 'ACCEPT' : 'DROP'}` });
  }
  rules.push(
    { table: 'nat', chain: 'PREROUTING', spec: `-m addrtype --dst-type LOCAL -j ${c.main}` },
    {
      table: 'nat',
      chain: 'OUTPUT',
      spec: first.userlandProxy ? `! -d 127.0.0.0/8 -m addrtype --dst-type LOCAL -j ${c.main}` : `-m addrtype --dst-type LOCAL -j ${c.main}`,
    },
  );
  for (const fw of fws) {
    if (fw.internal) continue;
    if (fw.ipMasq) rules.push({ table: 'nat', chain: 'POSTROUTING', spec: `-s ${fw.subnet} ! -o ${fw.bridge} -j MASQUERADE` });
    if (!fw.userlandProxy) rules.push({ table: 'nat', chain: 'POSTROUTING', spec: `-o ${fw.bridge} -m addrtype --src-type LOCAL -j MASQUERADE` });
  }
  return rules;
}

/** The three rules of one port forward (moby iptables.Forward). */
export function portRules(fw: BridgeFirewall, p: PortForward): Rule[] {
  const c = chainNames(fw.prefix);
  const br = fw.bridge;
  const dst = p.hostIp === '0.0.0.0' || p.hostIp === '' ? '' : `-d ${p.hostIp}/32 `;
  const m = `-p ${p.proto} -m ${p.proto}`;
  return [
    { table: 'nat', chain: c.main, spec: `${dst}! -i ${br} ${m} --dport ${p.hostPort} -j DNAT --to-destination ${p.containerIp}:${p.containerPort}` },
    { table: 'filter', chain: c.main, spec: `-d ${p.containerIp}/32 ! -i ${br} -o ${br} ${m} --dport ${p.containerPort} -j ACCEPT` },
    { table: 'nat', chain: 'POSTROUTING', spec: `-s ${p.containerIp}/32 -d ${p.containerIp}/32 ${m} --dport ${p.containerPort} -j MASQUERADE` },
  ];
}

/** iptables-save output, per table: the chains declared and the rules in order. */
export interface SavedTable {
  chains: Set<string>;
  rules: { chain: string; spec: string }[];
}
export type Saved = Record<string, SavedTable>;

export function parseSave(text: string): Saved {
  const out: Saved = {};
  let cur: SavedTable | undefined;
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line.startsWith('*')) {
      cur = { chains: new Set(), rules: [] };
      out[line.slice(1)] = cur;
    } else if (!cur || line === '' || line.startsWith('#') || line === 'COMMIT') {
      continue;
    } else if (line.startsWith(':')) {
      cur.chains.add(line.slice(1).split(/\s+/)[0]!);
    } else if (line.startsWith('-A ')) {
      const rest = line.slice(3);
      const sp = rest.indexOf(' ');
      cur.rules.push(sp < 0 ? { chain: rest, spec: '' } : { chain: rest.slice(0, sp), spec: rest.slice(sp + 1) });
    }
  }
  return out;
}

const PORT_MASQ = /^-s (\d+\.\d+\.\d+\.\d+)\/32 -d \1\/32 -p (tcp|udp|sctp) -m \2 --dport \d+ -j MASQUERADE$/;

/**
 * Whether a rule of a built-in chain belongs to us (see the header): `fws` are the bridges of
 * today's networks, `retired` names bridges whose rules may still be around (a network being
 * removed).
 */
/** Whether rule `spec` matches on one of `bridges` (`-i`/`-o`). */
function namesBridge(spec: string, bridges: readonly string[]): boolean {
  const t = spec.split(/\s+/);
  for (let i = 0; i < t.length - 1; i++) if ((t[i] === '-i' || t[i] === '-o') && bridges.includes(t[i + 1]!)) return true;
  return false;
}

export function isOwnBuiltinRule(f: Pick<BridgeFirewall, 'prefix' | 'bridge' | 'subnet'> | readonly Pick<BridgeFirewall, 'prefix' | 'bridge' | 'subnet'>[], chain: string, spec: string, retired: readonly string[] = []): boolean {
  if (!BUILTIN.has(chain)) return false;
  const fws = Array.isArray(f) ? f : [f as Pick<BridgeFirewall, 'prefix' | 'bridge' | 'subnet'>];
  if (fws.length === 0) return false;
  const c = chainNames(fws[0]!.prefix);
  const ours = new Set([c.main, c.user, c.iso1, c.iso2]);
  const bridges = new Set([...fws.map((x) => x.bridge), ...retired]);
  const t = spec.split(/\s+/);
  for (let i = 0; i < t.length - 1; i++) {
    if ((t[i] === '-j' || t[i] === '-g') && ours.has(t[i + 1]!)) return true;
    if ((t[i] === '-i' || t[i] === '-o') && bridges.has(t[i + 1]!)) return true;
  }
  if (chain === 'POSTROUTING') {
    const m = PORT_MASQ.exec(spec);
    if (m && fws.some((x) => x.subnet && Cidr.parse(x.subnet).contains(parseIPv4(m[1]!)))) return true;
  }
  return false;
}

/** An iptables-restore script (for `--noflush`) from per-table lines; chain declarations go first. */
function script(lines: Record<Table, string[]>): string {
  let s = '';
  for (const table of ['filter', 'nat'] as const) {
    if (lines[table].length === 0) continue;
    const decl = lines[table].filter((l) => l.startsWith(':'));
    const rest = lines[table].filter((l) => !l.startsWith(':'));
    s += `*${table}\n${[...decl, ...rest].join('\n')}\nCOMMIT\n`;
  }
  return s;
}

/** Appends rules (a port forward being added). */
export function addScript(rules: readonly Rule[]): string {
  const lines: Record<Table, string[]> = { filter: [], nat: [] };
  for (const r of rules) lines[r.table].push(`-A ${r.chain} ${r.spec}`);
  return script(lines);
}

/** Deletes rules (a port forward going away). */
export function deleteScript(rules: readonly Rule[]): string {
  const lines: Record<Table, string[]> = { filter: [], nat: [] };
  for (const r of rules) lines[r.table].push(`-D ${r.chain} ${r.spec}`);
  return script(lines);
}

/**
 * The script that makes the tables hold exactly the networks' rules for `forwards`, and, when
 * `links` is given, the DNS links' filter: our chains are re-declared (iptables-restore
 * --noflush flushes a declared chain) and refilled; P-USER is created when missing and keeps
 * what the user put there; in the built-in chains our rules that are not wanted go, missing
 * ones come (INPUT's at the top). FORWARD is rewritten when the order of our rules there is not
 * Docker's (the links' jump first). P-DNS-LINKS goes when there are no links. `f` may be empty
 * (no bridge network): then only the links are looked at. Returns '' when nothing differs.
 */
export function reconcileScript(f: Firewalls, forwards: readonly PortForward[], saved: Saved, retired: readonly string[] = [], links?: LinkFirewall): string {
  const fws = all(f);
  const lines: Record<Table, string[]> = { filter: [], nat: [] };
  let changed = false;
  const chains: { table: Table; chain: string; want: string[] }[] = [];
  const wanted: Rule[] = [];
  if (links?.links.length) {
    chains.push({ table: 'filter', chain: chainNames(links.prefix).links, want: linkChainRules(links.links) });
    wanted.push(...linkJumps(links));
  }
  if (fws.length) {
    // A retired bridge may stand in as the only firewall (so that our global rules are known as
    // ours when the last bridge goes): nothing that names it is wanted.
    const live = (spec: string) => !retired.length || !namesBridge(spec, retired);
    const perPort = forwards.flatMap((p) => portRules(fws.find((x) => x.bridge === p.bridge) ?? fws[0]!, p));
    for (const ch of ownChains(fws)) chains.push({ ...ch, want: [...ch.head, ...perPort.filter((r) => r.table === ch.table && r.chain === ch.chain).map((r) => r.spec)].filter(live) });
    wanted.push(...[...builtinRules(fws), ...perPort.filter((r) => BUILTIN.has(r.chain))].filter((r) => live(r.spec)));
  }
  const own = (chain: string, spec: string) => isOwnBuiltinRule(fws, chain, spec, retired) || (links !== undefined && isOwnLinkRule(links.prefix, chain, spec));

  for (const ch of chains) {
    const t = saved[ch.table];
    const have = t?.rules.filter((r) => r.chain === ch.chain).map((r) => r.spec) ?? [];
    if (!t?.chains.has(ch.chain) || have.join('\n') !== ch.want.join('\n')) changed = true;
    lines[ch.table].push(`:${ch.chain} - [0:0]`, ...ch.want.map((s) => `-A ${ch.chain} ${s}`));
  }

  if (fws.length) {
    const user = chainNames(fws[0]!.prefix).user;
    const filter = saved['filter'];
    if (!filter?.chains.has(user)) {
      lines.filter.push(`:${user} - [0:0]`, `-A ${user} -j RETURN`);
      changed = true;
    } else if (!filter.rules.some((r) => r.chain === user && r.spec === '-j RETURN')) {
      lines.filter.push(`-A ${user} -j RETURN`);
      changed = true;
    }
  }

  for (const table of ['filter', 'nat'] as const) {
    const have = (saved[table]?.rules ?? []).filter((r) => own(r.chain, r.spec));
    for (const chain of BUILTIN) {
      const want = wanted.filter((r) => r.table === table && r.chain === chain).map((r) => r.spec);
      const got = have.filter((r) => r.chain === chain).map((r) => r.spec);
      if (chain === 'FORWARD') {
        if (got.join('\n') === want.join('\n')) continue;
        changed = true;
        for (const s of got) lines[table].push(`-D ${chain} ${s}`);
        for (const s of [...want].reverse()) lines[table].push(`-I ${chain} 1 ${s}`);
        continue;
      }
      const left = [...got];
      for (const s of want) {
        const i = left.indexOf(s);
        if (i >= 0) left.splice(i, 1);
        else {
          changed = true;
          // compat: Docker inserts the subnet's MASQUERADE first and appends the rest.
          // The links' jump goes first in INPUT: ahead of whatever the host's firewall accepts.
          const first = chain === 'INPUT' || (/ -j MASQUERADE$/.test(s) && s.startsWith('-s ') && !s.includes('/32 '));
          lines[table].push(first ? `-I ${chain} 1 ${s}` : `-A ${chain} ${s}`);
        }
      }
      for (const s of left) {
        changed = true;
        lines[table].push(`-D ${chain} ${s}`);
      }
    }
  }

  if (links && !links.links.length) {
    // the last link went: its chain too (after the jumps to it, deleted above)
    const chain = chainNames(links.prefix).links;
    if (saved['filter']?.chains.has(chain)) {
      changed = true;
      lines.filter.push(`-F ${chain}`, `-X ${chain}`);
    }
  }
  return changed ? script(lines) : '';
}

/**
 * The script that removes every trace of the networks and DNS links of the prefix: our rules
 * in the built-in chains, then our chains (P-USER and P-DNS-LINKS included). For tests and for
 * turning iptables management off.
 */
export function removalScript(f: Pick<BridgeFirewall, 'prefix' | 'bridge' | 'subnet'> | readonly Pick<BridgeFirewall, 'prefix' | 'bridge' | 'subnet'>[], saved: Saved): string {
  const fw = Array.isArray(f) ? f : [f as Pick<BridgeFirewall, 'prefix' | 'bridge' | 'subnet'>];
  const lines: Record<Table, string[]> = { filter: [], nat: [] };
  const prefix = fw[0]!.prefix;
  const c = chainNames(prefix);
  const ours = [c.main, c.user, c.iso1, c.iso2, c.links];
  for (const table of ['filter', 'nat'] as const) {
    const t = saved[table];
    if (!t) continue;
    for (const r of t.rules) if (isOwnBuiltinRule(fw, r.chain, r.spec) || isOwnLinkRule(prefix, r.chain, r.spec)) lines[table].push(`-D ${r.chain} ${r.spec}`);
    const present = ours.filter((ch) => t.chains.has(ch));
    for (const ch of present) lines[table].push(`-F ${ch}`);
    for (const ch of present) lines[table].push(`-X ${ch}`);
  }
  return script(lines);
}
