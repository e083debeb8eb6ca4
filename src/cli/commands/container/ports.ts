/**
 * Ports as docker handles them on the client side:
 *
 *   parsePortSpecs      go-connections nat.ParsePortSpecs: `-p [ip:][hostPort:]containerPort[/proto]`
 *                       with ranges ("8000-8010:80-90", "127.0.0.1::80/udp", "[::1]:80:80")
 *   exposedPorts        `--expose 80`, `--expose 7000-7002/udp`
 *   displayablePorts    formatter.DisplayablePorts, the PORTS column of `ps`: consecutive
 *                       exposed ports collapse into ranges ("8000-8002/tcp"), same-numbered
 *                       published ones too ("0.0.0.0:80-81->80-81/tcp"), then host mappings
 *   naturalLess         fvbommel/sortorder, the order of `docker port`'s lines
 */
import { canonicalIP, ValueError } from './values.js';

export interface PortBinding {
  HostIp: string;
  HostPort: string;
}

/** nat.SplitProtoPort: "80/udp" -> ["udp", "80"]; no protocol is tcp. */
export function splitProtoPort(rawPort: string): [string, string] {
  const parts = rawPort.split('/');
  if (rawPort.length === 0 || parts[0]!.length === 0) return ['', ''];
  if (parts.length === 1) return ['tcp', rawPort];
  if (parts[1]!.length === 0) return ['tcp', parts[0]!];
  return [parts[1]!, parts[0]!];
}

function parseUint16(s: string): number {
  if (!/^\d+$/.test(s)) throw new ValueError(`strconv.ParseUint: parsing ${JSON.stringify(s)}: invalid syntax`);
  const n = Number(s);
  if (n > 65535) throw new ValueError(`strconv.ParseUint: parsing ${JSON.stringify(s)}: value out of range`);
  return n;
}

/** nat.ParsePortRange: "80" or "8000-8010". */
export function parsePortRange(ports: string): [number, number] {
  if (ports === '') throw new ValueError('empty string specified for ports');
  if (!ports.includes('-')) {
    const p = parseUint16(ports);
    return [p, p];
  }
  const parts = ports.split('-');
  const start = parseUint16(parts[0]!);
  const end = parseUint16(parts[1]!);
  if (end < start) throw new ValueError(`invalid range specified for port: ${ports}`);
  return [start, end];
}

/** nat.NewPort: "80/tcp" or "80-81/tcp". */
export function newPort(proto: string, port: string): string {
  const [start, end] = port === '' ? [0, 0] : parsePortRange(port);
  return start === end ? `${start}/${proto}` : `${start}-${end}/${proto}`;
}

function splitParts(rawport: string): [string, string, string] {
  const parts = rawport.split(':');
  const n = parts.length;
  const containerPort = parts[n - 1]!;
  switch (n) {
    case 1:
      return ['', '', containerPort];
    case 2:
      return ['', parts[0]!, containerPort];
    case 3:
      return [parts[0]!, parts[1]!, containerPort];
    default:
      return [parts.slice(0, n - 2).join(':'), parts[n - 2]!, containerPort];
  }
}

/** nat.ParsePortSpec: one `-p` value into its (port, binding) pairs. */
export function parsePortSpec(rawPort: string): { port: string; binding: PortBinding }[] {
  let [ip, hostPort, containerPort] = splitParts(rawPort);
  let proto: string;
  [proto, containerPort] = splitProtoPort(containerPort);
  if (ip !== '' && ip[0] === '[') {
    // net.SplitHostPort(ip + ":")
    const m = /^\[([^\]]*)\]:$/.exec(ip + ':');
    if (!m) throw new ValueError(`invalid IP address ${ip}: address ${ip}:: missing ']' in address`);
    ip = m[1]!;
  }
  if (ip !== '' && canonicalIP(ip) === undefined) throw new ValueError(`invalid IP address: ${ip}`);
  if (containerPort === '') throw new ValueError(`no port specified: ${rawPort}<empty>`);
  let startPort: number;
  let endPort: number;
  try {
    [startPort, endPort] = parsePortRange(containerPort);
  } catch {
    throw new ValueError(`invalid containerPort: ${containerPort}`);
  }
  let startHost = 0;
  let endHost = 0;
  if (hostPort.length > 0) {
    try {
      [startHost, endHost] = parsePortRange(hostPort);
    } catch {
      throw new ValueError(`invalid hostPort: ${hostPort}`);
    }
  }
  if (hostPort !== '' && endPort - startPort !== endHost - startHost && endPort !== startPort) {
    throw new ValueError(`invalid ranges specified for container and host Ports: ${containerPort} and ${hostPort}`);
  }
  if (!['tcp', 'udp', 'sctp'].includes(proto.toLowerCase())) throw new ValueError(`invalid proto: ${proto}`);
  const out: { port: string; binding: PortBinding }[] = [];
  for (let i = 0; i <= endPort - startPort; i++) {
    const cport = String(startPort + i);
    if (hostPort.length > 0) hostPort = String(startHost + i);
    if (startPort === endPort && startHost !== endHost) hostPort = `${hostPort}-${endHost}`;
    out.push({ port: newPort(proto.toLowerCase(), cport), binding: { HostIp: ip, HostPort: hostPort } });
  }
  return out;
}

/** nat.ParsePortSpecs: the exposed set and the bindings of all `-p` values (insertion-ordered). */
export function parsePortSpecs(specs: readonly string[]): { exposed: Set<string>; bindings: Map<string, PortBinding[]> } {
  const exposed = new Set<string>();
  const bindings = new Map<string, PortBinding[]>();
  for (const raw of specs) {
    for (const { port, binding } of parsePortSpec(raw)) {
      exposed.add(port);
      bindings.set(port, [...(bindings.get(port) ?? []), binding]);
    }
  }
  return { exposed, bindings };
}

/** convertToStandardNotation: `published=8080,target=80[,protocol=udp]` -> "8080:80/udp". */
export function convertToStandardNotation(ports: readonly string[]): string[] {
  return ports.map((publish) => {
    if (!publish.includes('=')) return publish;
    const params: Record<string, string> = { protocol: 'tcp' };
    for (const param of publish.split(',')) {
      const eq = param.indexOf('=');
      if (eq <= 0) throw new ValueError(`invalid publish opts format (should be name=value but got '${param}')`);
      params[param.slice(0, eq)] = param.slice(eq + 1);
    }
    return `${params['published'] ?? ''}:${params['target'] ?? ''}/${params['protocol']}`;
  });
}

/** Adds the `--expose` ports (single ports or ranges) to `exposed`. */
export function addExposedPorts(exposed: Set<string>, expose: readonly string[]): void {
  for (const e of expose) {
    if (e.includes(':')) throw new ValueError(`invalid port format for --expose: ${e}`);
    const [proto, port] = splitProtoPort(e);
    let start: number;
    let end: number;
    try {
      [start, end] = parsePortRange(port);
    } catch (err) {
      throw new ValueError(`invalid range format for --expose: ${e}, error: ${(err as Error).message}`);
    }
    for (let i = start; i <= end; i++) exposed.add(newPort(proto, String(i)));
  }
}

/** net.JoinHostPort. */
export function joinHostPort(host: string, port: string | number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

export interface SummaryPort {
  IP?: string;
  PrivatePort: number;
  PublicPort?: number;
  Type: string;
}

function comparePorts(i: SummaryPort, j: SummaryPort): number {
  if (i.PrivatePort !== j.PrivatePort) return i.PrivatePort - j.PrivatePort;
  const ipI = i.IP ?? '';
  const ipJ = j.IP ?? '';
  if (ipI !== ipJ) return ipI < ipJ ? -1 : 1;
  const pubI = i.PublicPort ?? 0;
  const pubJ = j.PublicPort ?? 0;
  if (pubI !== pubJ) return pubI - pubJ;
  return i.Type < j.Type ? -1 : i.Type > j.Type ? 1 : 0;
}

function formGroup(key: string, start: number, last: number): string {
  const parts = key.split('/');
  let groupType = parts[0]!;
  let ip = '';
  if (parts.length > 1) {
    ip = parts[0]!;
    groupType = parts[1]!;
  }
  let group = String(start);
  if (start !== last) group = `${group}-${last}`;
  if (ip !== '') group = `${joinHostPort(ip, group)}->${group}`;
  return `${group}/${groupType}`;
}

/** formatter.DisplayablePorts: the PORTS column ("0.0.0.0:8080->80/tcp, 9000-9002/udp"). */
export function displayablePorts(ports: readonly SummaryPort[]): string {
  const sorted = [...ports].sort(comparePorts);
  const groups = new Map<string, { first: number; last: number }>();
  const result: string[] = [];
  const hostMappings: string[] = [];
  for (const port of sorted) {
    const current = port.PrivatePort;
    let key = port.Type;
    const ip = port.IP ?? '';
    if (ip !== '') {
      const pub = port.PublicPort ?? 0;
      if (pub !== current) {
        hostMappings.push(`${joinHostPort(ip, pub)}->${port.PrivatePort}/${port.Type}`);
        continue;
      }
      key = `${ip}/${port.Type}`;
    }
    const group = groups.get(key);
    if (!group) {
      groups.set(key, { first: current, last: current });
      continue;
    }
    if (current === ((group.last + 1) & 0xffff)) {
      group.last = current;
      continue;
    }
    result.push(formGroup(key, group.first, group.last));
    // compat: a new group object replaces the old one, but the key keeps its first position
    groups.set(key, { first: current, last: current });
  }
  for (const [key, g] of groups) result.push(formGroup(key, g.first, g.last));
  result.push(...hostMappings);
  return result.join(', ');
}

const isDigit = (c: number) => c >= 48 && c <= 57;

/** sortorder.NaturalLess: digit runs compare as numbers. */
export function naturalLess(str1: string, str2: string): boolean {
  let i1 = 0;
  let i2 = 0;
  while (i1 < str1.length && i2 < str2.length) {
    const c1 = str1.charCodeAt(i1);
    const c2 = str2.charCodeAt(i2);
    const d1 = isDigit(c1);
    const d2 = isDigit(c2);
    if (d1 !== d2) return d1;
    if (!d1) {
      if (c1 !== c2) return c1 < c2;
      i1++;
      i2++;
      continue;
    }
    while (i1 < str1.length && str1[i1] === '0') i1++;
    while (i2 < str2.length && str2[i2] === '0') i2++;
    const nz1 = i1;
    const nz2 = i2;
    while (i1 < str1.length && isDigit(str1.charCodeAt(i1))) i1++;
    while (i2 < str2.length && isDigit(str2.charCodeAt(i2))) i2++;
    if (i1 - nz1 !== i2 - nz2) return i1 - nz1 < i2 - nz2;
    const n1 = str1.slice(nz1, i1);
    const n2 = str2.slice(nz2, i2);
    if (n1 !== n2) return n1 < n2;
    if (nz1 !== nz2) return nz1 < nz2;
  }
  return str1.length < str2.length;
}
