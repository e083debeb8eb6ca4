/**
 * The networks berthd knows, one file each, written atomically (fsync'd temp + rename) before a
 * network's bridge exists and removed after it is gone: after a crash, boot brings every
 * recorded network back and nothing unrecorded is ours.
 *
 *   <data-root>/network/
 *     networks.json            IDs and creation times of the predefined networks (bridge, host, none)
 *     networks/<id>.json       NetworkRecord of a user-defined network
 */
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { mkdirp, readJson, writeJsonAtomic } from '../lib/index.js';

/** One IPAM pool of a network as Docker's IPAM.Config shows it. */
export interface IpamPoolRecord {
  subnet: string;
  ipRange?: string;
  gateway?: string;
  auxAddresses?: Record<string, string>;
}

export interface NetworkRecord {
  id: string;
  name: string;
  /** `bridge`, `macvlan` (user-defined); `host` and `null` only for the predefined ones. */
  driver: string;
  created: string;
  internal: boolean;
  attachable: boolean;
  ipv6: boolean;
  labels: Record<string, string>;
  /** Driver options as given (`-o`). */
  options: Record<string, string>;
  ipam: { driver: string; options: Record<string, string>; config: IpamPoolRecord[] };
  /**
   * macvlan: the parent link the driver made for this network (a VLAN sub-interface, or the
   * dummy without `-o parent`), deleted with it (moby's CreatedSlaveLink).
   */
  createdParent?: string;
}

export class NetworkStore {
  private readonly dir: string;

  constructor(readonly dataDir: string) {
    this.dir = join(dataDir, 'networks');
  }

  async list(): Promise<NetworkRecord[]> {
    await mkdirp(this.dir, 0o700);
    const out: NetworkRecord[] = [];
    for (const n of await fs.readdir(this.dir)) {
      if (!n.endsWith('.json') || n.startsWith('.')) continue;
      const rec = await readJson<NetworkRecord>(join(this.dir, n)).catch(() => undefined);
      if (rec?.id) out.push(rec);
    }
    return out.sort((a, b) => a.created.localeCompare(b.created));
  }

  async put(rec: NetworkRecord): Promise<void> {
    await mkdirp(this.dir, 0o700);
    await writeJsonAtomic(join(this.dir, `${rec.id}.json`), rec);
  }

  async remove(id: string): Promise<void> {
    await fs.rm(join(this.dir, `${id}.json`), { force: true });
  }
}
