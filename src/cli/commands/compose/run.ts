/**
 * `berth compose run SERVICE [COMMAND] [ARGS...]`: a one-off container of the service
 * (`<project>-<service>-run-<id>`, oneoff label True, no published ports unless
 * --service-ports), its dependencies started first unless --no-deps, attached like
 * `container start -a`; --rm removes it afterwards.
 */
import { randomBytes } from 'node:crypto';
import { createRequest } from '../../../compose/index.js';
import { CliError } from '../../command.js';
import startCommand from '../container/start.js';
import { defineComposeCommand, delegate } from './context.js';

export default defineComposeCommand({
  name: 'run',
  usage: 'run [OPTIONS] SERVICE [COMMAND] [ARGS...]',
  description: 'Run a one-off command on a service',
  interspersed: false,
  minArgs: 1,
  flags: [
    { name: 'detach', short: 'd', kind: 'bool', usage: 'Run container in background and print container ID' },
    { name: 'rm', kind: 'bool', usage: 'Automatically remove the container when it exits' },
    { name: 'no-deps', kind: 'bool', usage: "Don't start linked services" },
    { name: 'env', short: 'e', kind: 'list', typeName: 'stringArray', usage: 'Set environment variables' },
    { name: 'entrypoint', kind: 'string', usage: 'Override the entrypoint of the image' },
    { name: 'name', kind: 'string', usage: 'Assign a name to the container' },
    { name: 'no-TTY', short: 'T', kind: 'bool', usage: 'Disable pseudo-TTY allocation (default: auto-detected)' },
    { name: 'interactive', short: 'i', kind: 'bool', default: true, usage: 'Keep STDIN open even if not attached' },
    { name: 'service-ports', short: 'P', kind: 'bool', usage: "Run command with all service's ports enabled and mapped to the host" },
    { name: 'user', short: 'u', kind: 'string', usage: 'Run as specified username or uid' },
    { name: 'workdir', short: 'w', kind: 'string', usage: 'Working directory inside the container' },
  ] as const,
  async run(ctx, o, args) {
    const [service, ...cmd] = args as [string, ...string[]];
    const project = ctx.project([service]);
    const s = project.services[service] ?? project.disabled[service];
    if (!s) throw new CliError(`no such service: ${service}`);
    const deps = Object.keys(s.depends_on ?? {}).filter((d) => project.services[d]);
    if (!o.noDeps && deps.length) await ctx.service.up(project, { services: deps });
    else {
      await ctx.service.ensureNetworks(project, Object.keys(s.networks ?? {}));
      await ctx.service.ensureVolumes(project, (s.volumes ?? []).filter((v) => v.type === 'volume' && v.source).map((v) => v.source!));
    }
    await ctx.service.ensureImage(project, s, {});
    const tty = !o.noTTY && !o.detach && Boolean(ctx.cli.in.isTTY);
    const env: Record<string, string> = {};
    for (const e of o.env) {
      const i = e.indexOf('=');
      if (i < 0) env[e] = ctx.env[e] ?? '';
      else env[e.slice(0, i)] = e.slice(i + 1);
    }
    const name = o.name || `${project.name}-${service}-run-${randomBytes(6).toString('hex')}`;
    const create = {
      number: 1,
      oneoff: true,
      name,
      ...(cmd.length ? { command: cmd } : {}),
      ...(o.entrypoint ? { entrypoint: [o.entrypoint] } : {}),
      environment: env,
      publishPorts: o.servicePorts,
      tty,
      stdinOpen: !o.detach && o.interactive,
      ...(o.user ? { user: o.user } : {}),
      ...(o.workdir ? { workdir: o.workdir } : {}),
    };
    void createRequest;
    const id = await ctx.service.createContainer(project, s, create);
    if (o.detach) {
      await ctx.cli.client.post(`/containers/${id}/start`);
      ctx.cli.out.write(name + '\n');
      return 0;
    }
    let code: number;
    try {
      code = await delegate(ctx.cli, startCommand, ['-a', ...(o.interactive ? ['-i'] : []), id]);
    } finally {
      if (o.rm) await ctx.cli.client.delete(`/containers/${id}`, { query: { force: true } }).catch(() => {});
    }
    return code;
  },
});
