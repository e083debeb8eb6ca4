/**
 * A container's resolv.conf once its sandbox has the embedded DNS (moby libnetwork
 * sandbox_dns_unix.go): the resolver starts when the sandbox first joins a network that needs
 * one (a user-defined network: at create, at a `network connect`, or at a start with such a
 * network among the container's), and rebuildDNS then turns the container's own resolv.conf
 * into the embedded view of itself. The resolver is never stopped while the sandbox lives: a
 * disconnect leaves the file as it is (and the network controller keeps 127.0.0.11 answering).
 */
import { promises as fs } from 'node:fs';
import { RESOLVER_IP } from '../../network/index.js';

/**
 * Docker's resolv.conf on a user-defined network (libnetwork sandbox rebuildDNS): the embedded
 * DNS as the only nameserver (the others become its upstreams), the search domains kept, and
 * `ndots:0` added to the options unless they set ndots.
 */
export function embeddedView(lines: readonly string[]): string[] {
  const search = lines.filter((l) => /^\s*search\s/.test(l));
  const opts = lines.filter((l) => /^\s*options\s/.test(l)).flatMap((l) => l.trim().split(/\s+/).slice(1));
  if (!opts.some((o) => o.startsWith('ndots:'))) opts.push('ndots:0');
  return [`nameserver ${RESOLVER_IP}`, ...search.map((l) => l.trim()), `options ${opts.join(' ')}`];
}

/** Whether a resolv.conf names the embedded DNS (its sandbox's resolver started before). */
export function namesEmbeddedDns(text: string): boolean {
  return text.split('\n').some((l) => l.trim().split(/\s+/).join(' ') === `nameserver ${RESOLVER_IP}`);
}

/**
 * The resolver starts in a sandbox that had none: the resolv.conf at `path` becomes its
 * embedded view (moby rebuildDNS). One that names 127.0.0.11 already had it and stays as it
 * is, the container's own edits included. Written in place: the file is bind-mounted into the
 * container, and a rename would leave the container with the old one. A missing file is left
 * missing.
 */
export async function rebuildResolvConf(path: string): Promise<void> {
  const text = await fs.readFile(path, 'utf8').catch(() => undefined);
  if (text === undefined || namesEmbeddedDns(text)) return;
  await fs.writeFile(path, embeddedView(text.split('\n')).join('\n') + '\n');
}
