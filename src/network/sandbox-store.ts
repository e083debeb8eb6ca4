/**
 * The sandboxes berthd made, one file per container, written before any of the kernel objects
 * it names exist and removed after they are gone: after a crash, boot knows every netns, veth,
 * address, host port and rule it may have to keep or take down.
 *
 *   <exec-root>/network/sandboxes/
 *     <container id>.json     SandboxRecord
 *
 * The files live in the exec-root, like the namespaces and veths they describe: a reboot
 * clears both together. Writes are temp + rename without fsync: only a power cut could lose a
 * page-cache write, and it takes the kernel objects with it.
 */
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { mkdirp } from '../lib/index.js';
import type { PortBinding, Proto } from './portmap.js';
import type { DnsLinkRecord } from './dns-link.js';

export interface EndpointRecord {
  id: string;
  networkId: string;
  networkName: string;
  /** The container's end: eth0, eth1, … (eth0 when absent: records of older versions). */
  ifName?: string;
  /** DNS names besides the container's name. */
  aliases?: string[];
  /** `--link target:alias` on a user-defined network (names only this container resolves). */
  links?: string[];
  /** Host end of the veth pair (bridge networks; a macvlan child has none). */
  ifHost?: string;
  ip: string;
  prefixLen: number;
  gateway: string;
  /** IPv6 (`--ipv6` networks). */
  ip6?: string;
  prefixLen6?: number;
  gateway6?: string;
  mac: string;
  /** Host bindings made (IPv4 and IPv6). */
  ports: PortBinding[];
  /** Exposed ports (NetworkSettings.Ports lists them with null when unbound). */
  exposed: { proto: Proto; port: number }[];
}

export interface SandboxRecord {
  containerId: string;
  /** Without the leading slash (the embedded DNS answers it). */
  containerName?: string;
  sandboxId: string;
  /** `--dns`: the embedded DNS forwards to these (the host's resolvers when empty). */
  dnsServers?: string[];
  /** The embedded DNS port the namespace's redirect names. */
  dnsPort?: number;
  /** The sandbox's DNS link (dns-link.ts), when it has one; dnsPort is then its listener's. */
  dnsLink?: DnsLinkRecord;
  /** The bind-mounted namespace handed to runc. */
  netnsPath: string;
  endpoints: EndpointRecord[];
}

export class SandboxStore {
  private ready: Promise<void> | undefined;

  constructor(readonly dir: string) {}

  private file(containerId: string): string {
    return join(this.dir, `${containerId}.json`);
  }

  async put(rec: SandboxRecord): Promise<void> {
    this.ready ??= mkdirp(this.dir, 0o700);
    await this.ready;
    const tmp = join(this.dir, `.${rec.containerId}.${randomBytes(4).toString('hex')}.tmp`);
    await fs.writeFile(tmp, JSON.stringify(rec), { mode: 0o600 });
    await fs.rename(tmp, this.file(rec.containerId));
  }

  async remove(containerId: string): Promise<void> {
    await fs.rm(this.file(containerId), { force: true });
  }

  /** Every record; unreadable files (a torn temp file) are removed. */
  async list(): Promise<SandboxRecord[]> {
    let names: string[];
    try {
      names = await fs.readdir(this.dir);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw e;
    }
    const out: SandboxRecord[] = [];
    for (const n of names) {
      const p = join(this.dir, n);
      if (!n.endsWith('.json') || n.startsWith('.')) {
        await fs.rm(p, { force: true });
        continue;
      }
      try {
        out.push(JSON.parse(await fs.readFile(p, 'utf8')) as SandboxRecord);
      } catch {
        await fs.rm(p, { force: true });
      }
    }
    return out;
  }
}
