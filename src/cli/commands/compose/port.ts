/** `berth compose port SERVICE PRIVATE_PORT`: the host address a container port is published on. */
import { LABEL } from '../../../compose/index.js';
import type { ContainerJSON } from '../../../api/types/index.js';
import { CliError } from '../../command.js';
import { defineComposeCommand } from './context.js';

export default defineComposeCommand({
  name: 'port',
  usage: 'port [OPTIONS] SERVICE PRIVATE_PORT',
  description: 'Print the public port for a port binding',
  minArgs: 2,
  maxArgs: 2,
  flags: [
    { name: 'protocol', kind: 'string', default: 'tcp', usage: 'tcp or udp' },
    { name: 'index', kind: 'int', default: 1, usage: 'Index of the container if service has multiple replicas' },
  ] as const,
  async run(ctx, o, args) {
    const [service, port] = args as [string, string];
    const list = await ctx.service.containers(ctx.projectName(), { services: [service], oneoff: false });
    const c = list.find((x) => Number(x.Labels[LABEL.number]) === o.index);
    if (!c) throw new CliError(`service "${service}" is not running`);
    const info = await ctx.cli.client.get<ContainerJSON>(`/containers/${c.Id}/json`);
    const b = info.NetworkSettings.Ports?.[`${port}/${o.protocol}`]?.[0];
    if (!b) throw new CliError(`no port ${port}/${o.protocol} for container ${info.Name.replace(/^\//, '')}: ${JSON.stringify(info.NetworkSettings.Ports ?? {})}`);
    ctx.cli.out.write(`${b.HostIp || '0.0.0.0'}:${b.HostPort}\n`);
  },
});
