/**
 * Where a sandbox's 127.0.0.11 goes (the embedded DNS, dns.ts): to the gateway of its first
 * user-defined bridge network (endpoint.ts dnsRedirect), or through a DNS link of its own
 * (dns-link.ts) when its networks give it no such gateway: macvlan only, or a sandbox that had
 * the resolver and loses its last user-defined bridge (moby starts a sandbox's resolver once,
 * sandbox_dns_unix.go startResolver, and nothing stops it while the sandbox lives: the
 * container's resolv.conf keeps naming 127.0.0.11, which must keep answering). A sandbox that
 * has a link keeps it, and its DNS, until it goes: connect and disconnect do not move it back.
 */
import type { Ctx, Logger } from '../lib/index.js';
import { dnsRedirect, onMacvlan } from './endpoint.js';
import { linkRedirect, type DnsLinkRecord, type DnsLinks } from './dns-link.js';
import type { Net } from './networks.js';
import type { DnsRedirect, SandboxKernel } from './sandbox.js';
import type { EndpointRecord, SandboxRecord, SandboxStore } from './sandbox-store.js';

export interface SandboxDnsDeps {
  nets: ReadonlyMap<string, Net>;
  /** Absent without the embedded DNS: no links then. */
  links?: DnsLinks;
  kernel: Pick<SandboxKernel, 'redirectDns'>;
  store: Pick<SandboxStore, 'put'>;
  log: Logger;
}

export class SandboxDns {
  constructor(private readonly deps: SandboxDnsDeps) {}

  /** Where the sandbox's DNS goes with endpoints `eps` (its own by default), a link it has first. */
  of(rec: SandboxRecord, eps: readonly EndpointRecord[] = rec.endpoints): DnsRedirect | undefined {
    return rec.dnsLink ? linkRedirect(rec.dnsLink, rec.dnsPort ?? 53) : dnsRedirect(this.deps.nets, eps);
  }

  /**
   * The sandbox's DNS once its endpoints are `eps` (rec.endpoints still the ones before): with
   * a new link (addresses reserved) when they would leave it without the embedded DNS while it
   * is on a macvlan network or has the resolver now. The link's redirect names port 53 until
   * serve() knows better. Throws unavailable when no link address is left.
   */
  plan(rec: SandboxRecord, eps: readonly EndpointRecord[]): { dns?: DnsRedirect; link?: DnsLinkRecord } {
    const { links, nets } = this.deps;
    if (links && !rec.dnsLink && !dnsRedirect(nets, eps) && (onMacvlan(nets, eps) || this.of(rec) !== undefined)) {
      const link = links.allocate();
      return { dns: linkRedirect(link, 53), link };
    }
    return { dns: this.of(rec, eps) };
  }

  /**
   * The listener of the sandbox's link, once the link's host end has its address: on the
   * recorded port (53 for a new link) when it can be had, else elsewhere, and then the
   * sandbox's redirect follows and the record says so.
   */
  async serve(ctx: Ctx, rec: SandboxRecord): Promise<void> {
    const link = rec.dnsLink;
    if (!link || !this.deps.links) return;
    const wanted = rec.dnsPort ?? 53;
    const port = await this.deps.links.listen(link, wanted);
    if (port === wanted) return;
    await this.deps.kernel.redirectDns(ctx, rec.netnsPath, linkRedirect(link, port));
    rec.dnsPort = port;
    await this.deps.store.put(rec);
  }

  /** The port the listener of the sandbox's link listens on (undefined: no link, or not listening). */
  linkPort(rec: SandboxRecord): number | undefined {
    return rec.dnsLink && this.deps.links?.port(rec.dnsLink);
  }

  /** A link's listener closes and its addresses are free (the link itself went with its sandbox). */
  async release(link: DnsLinkRecord | undefined): Promise<void> {
    if (link) await this.deps.links?.release(link);
  }

  /**
   * Boot, for a kept sandbox: its link's addresses are ours again and its listener listens;
   * or, on a bridge, its redirect is pointed at the server's port when that changed. Failures
   * are logged (the container runs on, without names).
   */
  async restore(ctx: Ctx, rec: SandboxRecord): Promise<void> {
    const log = (e: unknown) => this.deps.log.warn('cannot point a sandbox at the embedded DNS', { container: rec.containerId.slice(0, 12), error: e });
    if (rec.dnsLink) {
      if (!this.deps.links) return;
      this.deps.links.reserve(rec.dnsLink);
      await this.serve(ctx, rec).catch(log);
      return;
    }
    const dns = dnsRedirect(this.deps.nets, rec.endpoints);
    if (dns && rec.dnsPort !== dns.port) {
      // the server could not have its port back: point the redirect at the new one
      await this.deps.kernel.redirectDns(ctx, rec.netnsPath, dns).then(() => this.deps.store.put({ ...rec, dnsPort: dns.port }), log);
    }
  }

  /** berthd stops: the links' listeners close (the links stay with their sandboxes). */
  async closeAll(recs: Iterable<SandboxRecord>): Promise<void> {
    await this.deps.links?.closeAll([...recs].flatMap((r) => (r.dnsLink ? [r.dnsLink] : [])));
  }
}
