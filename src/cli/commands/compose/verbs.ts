/** The per-container verbs: start, stop, restart, kill, pause, unpause, rm (dependency-ordered). */
import { CliError } from '../../command.js';
import { defineComposeCommand, type ComposeContext } from './context.js';

async function each(ctx: ComposeContext, services: string[], verb: 'start' | 'stop' | 'restart' | 'kill' | 'pause' | 'unpause' | 'rm', o: { timeout?: number; signal?: string; volumes?: boolean }) {
  const project = ctx.projectIfAny(services);
  const name = ctx.globals.projectName ? ctx.projectName() : project!.name;
  if (project) for (const s of services) if (!project.services[s]) throw new CliError(`no such service: ${s}`);
  return ctx.service.each(name, project, services, verb, o);
}

const timeoutFlag = { name: 'timeout', short: 't', kind: 'int', usage: 'Specify a shutdown timeout in seconds' } as const;

export const start = defineComposeCommand({
  name: 'start',
  usage: 'start [SERVICE...]',
  description: 'Start services',
  flags: [] as const,
  async run(ctx, _o, args) {
    await each(ctx, args, 'start', {});
  },
});

export const stop = defineComposeCommand({
  name: 'stop',
  usage: 'stop [OPTIONS] [SERVICE...]',
  description: 'Stop services',
  flags: [timeoutFlag] as const,
  async run(ctx, o, args, changed) {
    await each(ctx, args, 'stop', { timeout: changed.has('timeout') ? o.timeout : undefined });
  },
});

export const restart = defineComposeCommand({
  name: 'restart',
  usage: 'restart [OPTIONS] [SERVICE...]',
  description: 'Restart service containers',
  flags: [timeoutFlag, { name: 'no-deps', kind: 'bool', usage: "Don't restart dependent services" }] as const,
  async run(ctx, o, args, changed) {
    await each(ctx, args, 'restart', { timeout: changed.has('timeout') ? o.timeout : undefined });
  },
});

export const kill = defineComposeCommand({
  name: 'kill',
  usage: 'kill [OPTIONS] [SERVICE...]',
  description: 'Force stop service containers',
  flags: [
    { name: 'signal', short: 's', kind: 'string', default: 'SIGKILL', usage: 'SIGNAL to send to the container' },
    { name: 'remove-orphans', kind: 'bool', usage: 'Remove containers for services not defined in the Compose file' },
  ] as const,
  async run(ctx, o, args) {
    await each(ctx, args, 'kill', { signal: o.signal });
  },
});

export const pause = defineComposeCommand({
  name: 'pause',
  usage: 'pause [SERVICE...]',
  description: 'Pause services',
  flags: [] as const,
  async run(ctx, _o, args) {
    await each(ctx, args, 'pause', {});
  },
});

export const unpause = defineComposeCommand({
  name: 'unpause',
  usage: 'unpause [SERVICE...]',
  description: 'Unpause services',
  flags: [] as const,
  async run(ctx, _o, args) {
    await each(ctx, args, 'unpause', {});
  },
});

export const rm = defineComposeCommand({
  name: 'rm',
  usage: 'rm [OPTIONS] [SERVICE...]',
  description: 'Removes stopped service containers',
  flags: [
    { name: 'force', short: 'f', kind: 'bool', usage: "Don't ask to confirm removal" },
    { name: 'stop', short: 's', kind: 'bool', usage: 'Stop the containers, if required, before removing' },
    { name: 'volumes', short: 'v', kind: 'bool', usage: 'Remove any anonymous volumes attached to containers' },
  ] as const,
  async run(ctx, o, args) {
    if (o.stop) await each(ctx, args, 'stop', {});
    const removed = await each(ctx, args, 'rm', { volumes: o.volumes });
    if (!removed.length) ctx.cli.err.write('No stopped containers\n');
  },
});
