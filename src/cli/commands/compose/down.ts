/** `berth compose down`: stop and remove the project's containers, its networks, and with -v its volumes. */
import { CliError } from '../../command.js';
import { defineComposeCommand } from './context.js';

export default defineComposeCommand({
  name: 'down',
  usage: 'down [OPTIONS] [SERVICES]',
  description: 'Stop and remove containers, networks',
  flags: [
    { name: 'volumes', short: 'v', kind: 'bool', usage: 'Remove named volumes declared in the "volumes" section of the Compose file and anonymous volumes attached to containers' },
    { name: 'remove-orphans', kind: 'bool', usage: 'Remove containers for services not defined in the Compose file' },
    { name: 'rmi', kind: 'string', usage: 'Remove images used by services. "local" remove only images that don\'t have a custom tag ("local"|"all")' },
    { name: 'timeout', short: 't', kind: 'int', usage: 'Specify a shutdown timeout in seconds' },
  ] as const,
  async run(ctx, opts, _args, changed) {
    if (opts.rmi && opts.rmi !== 'all' && opts.rmi !== 'local') throw new CliError(`invalid value for --rmi: ${opts.rmi}`);
    const project = ctx.projectIfAny();
    const name = ctx.globals.projectName ? ctx.projectName() : project!.name;
    await ctx.service.down(name, project, {
      volumes: opts.volumes,
      removeOrphans: opts.removeOrphans,
      timeout: changed.has('timeout') ? opts.timeout : undefined,
      rmi: (opts.rmi || undefined) as 'all' | 'local' | undefined,
    });
  },
});
