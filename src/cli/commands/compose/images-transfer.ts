/**
 * `berth compose build`, `pull` and `push`: the services' images. Build sends each `build:`
 * context to POST /build; pull and push stream POST /images/create and /images/{name}/push,
 * failing on the first error message of the JSON stream.
 */
import { splitRef, type Service } from '../../../compose/index.js';
import { CliError } from '../../command.js';
import { defineComposeCommand, type ComposeContext } from './context.js';
import { buildService } from './build.js';

function selected(ctx: ComposeContext, args: string[]): Service[] {
  const p = ctx.project(args);
  for (const a of args) if (!p.services[a]) throw new CliError(`no such service: ${a}`);
  return Object.values(p.services).filter((s) => !args.length || args.includes(s.name));
}

async function stream(ctx: ComposeContext, path: string, query: Record<string, string>): Promise<void> {
  for await (const m of ctx.cli.client.jsonStream<{ error?: string; errorDetail?: { message: string } }>('POST', path, { query, headers: { 'X-Registry-Auth': 'e30=' } })) {
    if (m.error) throw new CliError(m.errorDetail?.message ?? m.error);
  }
}

export const build = defineComposeCommand({
  name: 'build',
  usage: 'build [OPTIONS] [SERVICE...]',
  description: 'Build or rebuild services',
  flags: [{ name: 'quiet', short: 'q', kind: 'bool', usage: "Don't print anything to STDOUT" }] as const,
  async run(ctx, _o, args) {
    const p = ctx.project(args);
    for (const s of selected(ctx, args)) if (s.build) await buildService(ctx, p, s);
  },
});

export const pull = defineComposeCommand({
  name: 'pull',
  usage: 'pull [OPTIONS] [SERVICE...]',
  description: 'Pull service images',
  flags: [
    { name: 'ignore-pull-failures', kind: 'bool', usage: 'Pull what it can and ignores images with pull failures' },
    { name: 'quiet', short: 'q', kind: 'bool', usage: 'Pull without printing progress information' },
  ] as const,
  async run(ctx, o, args) {
    for (const s of selected(ctx, args)) {
      if (!s.image) continue;
      const [repo, tag] = splitRef(s.image);
      ctx.cli.err.write(` Image ${s.image}  Pulling\n`);
      try {
        await stream(ctx, '/images/create', { fromImage: repo, tag });
        ctx.cli.err.write(` Image ${s.image}  Pulled\n`);
      } catch (e) {
        if (!o.ignorePullFailures) throw e;
        ctx.warn(`${s.name}: ${(e as Error).message}`);
      }
    }
  },
});

export const push = defineComposeCommand({
  name: 'push',
  usage: 'push [OPTIONS] [SERVICE...]',
  description: 'Push service images',
  flags: [{ name: 'ignore-push-failures', kind: 'bool', usage: 'Push what it can and ignores images with push failures' }] as const,
  async run(ctx, o, args) {
    for (const s of selected(ctx, args)) {
      if (!s.image) continue;
      const [repo, tag] = splitRef(s.image);
      ctx.cli.err.write(` Image ${s.image}  Pushing\n`);
      try {
        await stream(ctx, `/images/${repo}/push`, { tag });
        ctx.cli.err.write(` Image ${s.image}  Pushed\n`);
      } catch (e) {
        if (!o.ignorePushFailures) throw e;
        ctx.warn(`${s.name}: ${(e as Error).message}`);
      }
    }
  },
});
