/**
 * `berth volume inspect VOLUME...`: GET /volumes/{name} per name, printed by docker's inspect
 * machinery (the daemon's JSON indented, or a template per volume). A missing volume is
 * reported as the daemon words it (`get x: no such volume`) after the others, exit 1.
 */
import { escapePath } from '../../../client/index.js';
import { defineCommand } from '../../command.js';
import { INSPECT_FORMAT_HELP } from '../../common-flags.js';
import { inspectAll, readText } from '../../inspect.js';
import { f, iface, int, map, ptr, str, struct, decodeGo } from '../../format/gotype.js';

/** volume.Volume as docker's template sees it (typed: a null Labels prints as map[]). */
export const VOLUME_TYPE = struct('volume.Volume', [
  f('ClusterVolume', ptr(struct('volume.ClusterVolume', [f('ID', str)])), { omitempty: true }),
  f('CreatedAt', str, { omitempty: true }),
  f('Driver', str),
  f('Labels', map(str)),
  f('Mountpoint', str),
  f('Name', str),
  f('Options', map(str)),
  f('Scope', str),
  f('Status', map(iface), { omitempty: true }),
  f('UsageData', ptr(struct('volume.UsageData', [f('RefCount', int), f('Size', int)])), { omitempty: true }),
]);

export default defineCommand({
  name: 'inspect',
  usage: 'inspect [OPTIONS] VOLUME [VOLUME...]',
  description: 'Display detailed information on one or more volumes',
  flags: [{ name: 'format', short: 'f', kind: 'string', usage: INSPECT_FORMAT_HELP }] as const,
  args: { min: 1 },
  async run(cli, opts, args) {
    await inspectAll(cli, args, opts.format, async (name) => {
      // compat: docker's client refuses an empty ID before any request
      if (name === '') throw new Error('Error response from daemon: get : no such volume');
      const res = await cli.client.request('GET', `/volumes/${escapePath(name)}`);
      const raw = await readText(res.body);
      return { raw, value: decodeGo(VOLUME_TYPE, JSON.parse(raw)) };
    });
  },
});
