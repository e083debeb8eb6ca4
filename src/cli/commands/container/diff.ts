/**
 * `berth container diff` / `berth diff CONTAINER`: GET /containers/{id}/changes, one
 * "<C|A|D> <path>" line per change in the daemon's order (docker's "{{.Type}} {{.Path}}").
 */
import type { FilesystemChange } from '../../../api/types/index.js';
import { defineCommand } from '../../command.js';
import { containerPath } from './create.js';
import { checkName } from './session.js';

const KIND = ['C', 'A', 'D'];

export default defineCommand({
  name: 'diff',
  usage: 'diff CONTAINER',
  description: "Inspect changes to files or directories on a container's filesystem",
  flags: [] as const,
  args: { min: 1, max: 1 },
  async run(cli, _opts, args) {
    const changes = await cli.client.get<FilesystemChange[] | null>(`${containerPath(checkName(args[0]!))}/changes`);
    let text = '';
    for (const c of changes ?? []) text += `${KIND[c.Kind] ?? ''} ${c.Path}\n`;
    cli.out.write(text);
  },
});
