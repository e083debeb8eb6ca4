/**
 * Building a service's image for `up --build` / `compose build`: the context directory as a tar
 * to POST /build, tagged `<image>` or `<project>-<service>`.
 */
import type { Project, Service } from '../../../compose/index.js';
import { imageName } from '../../../compose/index.js';
import { CliError } from '../../command.js';
import type { ComposeContext } from './context.js';

export async function buildService(ctx: ComposeContext, project: Project, s: Service): Promise<void> {
  if (!s.build) return;
  const { packContext } = await import('./build-context.js');
  const tag = imageName(project, s);
  ctx.cli.err.write(` Service ${s.name}  Building\n`);
  const tar = await packContext(s.build.context);
  const query: Record<string, string | undefined> = { t: tag, dockerfile: s.build.dockerfile ?? 'Dockerfile', target: s.build.target, rm: '1' };
  if (s.build.args) query['buildargs'] = JSON.stringify(s.build.args);
  for await (const m of ctx.cli.client.jsonStream<{ stream?: string; error?: string; errorDetail?: { message: string } }>('POST', '/build', {
    query,
    rawBody: tar,
    headers: { 'Content-Type': 'application/x-tar' },
  })) {
    if (m.error) throw new CliError(`failed to build ${s.name}: ${m.errorDetail?.message ?? m.error}`);
  }
  ctx.cli.err.write(` Service ${s.name}  Built\n`);
}
