/**
 * `berth volume create [OPTIONS] [VOLUME]`: POST /volumes/create (docker's volume/create.go),
 * then prints the volume's name (the generated one for an anonymous volume).
 */
import type { Volume, VolumeCreateRequest } from '../../../api/types/index.js';
import { defineCommand, StatusError } from '../../command.js';

/** opts.ConvertKVStringsToMap: `k=v` (or a bare `k`, value '') into a map, later ones winning. */
export function kvMap(values: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const v of values) {
    const i = v.indexOf('=');
    if (i < 0) out[v] = '';
    else out[v.slice(0, i)] = v.slice(i + 1);
  }
  // Go's json.Marshal writes map keys sorted
  return Object.fromEntries(Object.entries(out).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

export default defineCommand({
  name: 'create',
  usage: 'create [OPTIONS] [VOLUME]',
  description: 'Create a volume',
  flags: [
    { name: 'driver', short: 'd', kind: 'string', default: 'local', usage: 'Specify volume driver name' },
    { name: 'label', kind: 'list', usage: 'Set metadata for a volume' },
    { name: 'name', kind: 'string', hidden: true, usage: 'Specify volume name' },
    { name: 'opt', short: 'o', kind: 'list', typeName: 'map', usage: 'Set driver specific options' },
  ] as const,
  args: { max: 1 },
  async run(cli, opts, args) {
    let name = opts.name;
    if (args.length === 1) {
      if (name !== '') throw new StatusError('conflicting options: cannot specify a volume-name through both --name and as a positional arg', 1);
      name = args[0]!;
    }
    const req: VolumeCreateRequest = {};
    // compat: the Go client drops empty maps and strings (omitempty); keys in CreateRequest's order
    if (opts.driver) req.Driver = opts.driver;
    if (opts.opt.length) req.DriverOpts = kvMap(opts.opt);
    if (opts.label.length) req.Labels = kvMap(opts.label);
    if (name) req.Name = name;
    const vol = await cli.client.post<Volume>('/volumes/create', { body: req });
    cli.out.write(`${vol?.Name ?? ''}\n`);
  },
});
