/** `berth compose exec SERVICE COMMAND [ARGS...]`: `container exec` in the service's container (--index, default 1). */
import { LABEL, nameOf } from '../../../compose/index.js';
import { CliError } from '../../command.js';
import execCommand from '../container/exec.js';
import { defineComposeCommand, delegate } from './context.js';

export default defineComposeCommand({
  name: 'exec',
  usage: 'exec [OPTIONS] SERVICE COMMAND [ARGS...]',
  description: 'Execute a command in a running container',
  interspersed: false,
  minArgs: 2,
  flags: [
    { name: 'detach', short: 'd', kind: 'bool', usage: 'Detached mode: Run command in the background' },
    { name: 'env', short: 'e', kind: 'list', typeName: 'stringArray', usage: 'Set environment variables' },
    { name: 'index', kind: 'int', default: 1, usage: 'Index of the container if service has multiple replicas' },
    { name: 'no-TTY', short: 'T', kind: 'bool', usage: 'Disable pseudo-TTY allocation. By default `docker compose exec` allocates a TTY.' },
    { name: 'privileged', kind: 'bool', usage: 'Give extended privileges to the process' },
    { name: 'user', short: 'u', kind: 'string', usage: 'Run the command as this user' },
    { name: 'workdir', short: 'w', kind: 'string', usage: 'Path to workdir directory for this command' },
    { name: 'interactive', short: 'i', kind: 'bool', default: true, usage: 'Keep STDIN open even if not attached', hidden: true },
  ] as const,
  async run(ctx, o, args) {
    const [service, ...cmd] = args as [string, ...string[]];
    const list = await ctx.service.containers(ctx.projectName(), { services: [service], oneoff: false });
    const c = list.find((x) => Number(x.Labels[LABEL.number]) === o.index);
    if (!c) throw new CliError(list.length ? `service "${service}" is not running container #${o.index}` : `service "${service}" is not running`);
    const argv: string[] = [];
    if (o.detach) argv.push('-d');
    else if (o.interactive) argv.push('-i');
    if (!o.noTTY && !o.detach && ctx.cli.in.isTTY) argv.push('-t');
    for (const e of o.env) argv.push('-e', e);
    if (o.privileged) argv.push('--privileged');
    if (o.user) argv.push('-u', o.user);
    if (o.workdir) argv.push('-w', o.workdir);
    return delegate(ctx.cli, execCommand, [...argv, nameOf(c), ...cmd]);
  },
});
