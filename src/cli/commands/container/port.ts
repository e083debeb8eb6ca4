/**
 * `berth container port` / `berth port CONTAINER [PRIVATE_PORT[/PROTO]]`: the published ports
 * from GET /containers/{name}/json, as docker prints them:
 *
 *   80/tcp -> 0.0.0.0:8080
 *   80/tcp -> [::]:8080
 *
 * all mappings in natural order, or, for one port (tcp unless a protocol is given), its host
 * addresses alone ("0.0.0.0:8080").
 */
import type { ContainerJSON } from '../../../api/types/index.js';
import { CliError, defineCommand } from '../../command.js';
import { containerPath } from './create.js';
import { joinHostPort, naturalLess } from './ports.js';
import { checkName } from './session.js';

export default defineCommand({
  name: 'port',
  usage: 'port CONTAINER [PRIVATE_PORT[/PROTO]]',
  description: 'List port mappings or a specific mapping for the container',
  flags: [] as const,
  args: { min: 1, max: 2 },
  async run(cli, _opts, args) {
    const name = args[0]!;
    const c = await cli.client.get<ContainerJSON>(`${containerPath(checkName(name))}/json`);
    const ports = c.NetworkSettings?.Ports ?? {};
    const out: string[] = [];
    // compat: an empty PRIVATE_PORT lists every mapping, as none does (docker/cli runPort tests `!= ""`).
    if (args[1] !== undefined && args[1] !== '') {
      const spec = args[1];
      const slash = spec.indexOf('/');
      const port = slash < 0 ? spec : spec.slice(0, slash);
      const proto = (slash < 0 ? '' : spec.slice(slash + 1)) || 'tcp';
      if (!/^\d+$/.test(port)) throw new CliError(`Error: invalid port (${port}): strconv.ParseUint: parsing ${JSON.stringify(port)}: invalid syntax`);
      if (Number(port) > 65535) throw new CliError(`Error: invalid port (${port}): strconv.ParseUint: parsing ${JSON.stringify(port)}: value out of range`);
      const frontends = ports[`${port}/${proto}`];
      if (!frontends || frontends.length === 0) throw new CliError(`Error: No public port '${spec}' published for ${name}`);
      for (const f of frontends) out.push(joinHostPort(f.HostIp, f.HostPort));
    } else {
      for (const [from, frontends] of Object.entries(ports)) {
        for (const f of frontends ?? []) out.push(`${from} -> ${joinHostPort(f.HostIp, f.HostPort)}`);
      }
    }
    if (out.length > 0) {
      out.sort((a, b) => (naturalLess(a, b) ? -1 : naturalLess(b, a) ? 1 : 0));
      cli.out.write(out.join('\n') + '\n');
    }
  },
});
