/**
 * `berth version`: docker's version command. The Client and Server blocks come from docker's
 * own default template rendered through a tabwriter(20, 1, 1), so the layout is docker 28's;
 * the server's components are printed as the daemon lists them. If the daemon is unreachable,
 * the Client block is printed and the command fails with the connection error.
 */
import type { ComponentVersion, VersionResponse } from '../../../api/types/index.js';
import { defineCommand, StatusError, CliError } from '../../command.js';
import { inspectFormatFlag } from '../../common-flags.js';
import type { Cli } from '../../cli.js';
import { Template, TemplateExecError, TemplateParseError } from '../../format/template.js';
import { reformatDate } from '../../format/gotime.js';
import { tabulate } from '../../format/tabwriter.js';

export const DEFAULT_VERSION_TEMPLATE = `{{with .Client -}}
Client:{{if ne .Platform nil}}{{if ne .Platform.Name ""}} {{.Platform.Name}}{{end}}{{end}}
 Version:	{{.Version}}
 API version:	{{.APIVersion}}{{if ne .APIVersion .DefaultAPIVersion}} (downgraded from {{.DefaultAPIVersion}}){{end}}
 Go version:	{{.GoVersion}}
 Git commit:	{{.GitCommit}}
 Built:	{{.BuildTime}}
 OS/Arch:	{{.Os}}/{{.Arch}}
 Context:	{{.Context}}
{{- end}}

{{- if ne .Server nil}}{{with .Server}}

Server:{{if ne .Platform.Name ""}} {{.Platform.Name}}{{end}}
 {{- range $component := .Components}}
 {{$component.Name}}:
  {{- if eq $component.Name "Engine" }}
  Version:	{{.Version}}
  API version:	{{index .Details "ApiVersion"}} (minimum version {{index .Details "MinAPIVersion"}})
  Go version:	{{index .Details "GoVersion"}}
  Git commit:	{{index .Details "GitCommit"}}
  Built:	{{index .Details "BuildTime"}}
  OS/Arch:	{{index .Details "Os"}}/{{index .Details "Arch"}}
  Experimental:	{{index .Details "Experimental"}}
  {{- else }}
  Version:	{{$component.Version}}
  {{- $detailsOrder := getDetailsOrder $component}}
  {{- range $key := $detailsOrder}}
  {{$key}}:	{{index $component.Details $key}}
   {{- end}}
  {{- end}}
 {{- end}}
 {{- end}}{{- end}}`;

/** The client half of `version` (docker's clientVersion, JSON field order kept). */
export function clientVersion(cli: Cli, apiVersion: string | undefined): Record<string, unknown> {
  const b = cli.build;
  const v: Record<string, unknown> = { Version: b.version };
  if (apiVersion) v['ApiVersion'] = apiVersion;
  Object.assign(v, {
    DefaultAPIVersion: cli.client.defaultVersion,
    GitCommit: b.gitCommit,
    GoVersion: b.runtimeVersion,
    Os: b.os,
    Arch: b.arch,
  });
  if (b.buildTime) v['BuildTime'] = b.buildTime;
  v['Context'] = cli.currentContext;
  return v;
}

/** docker's runVersion fix-ups: Engine BuildTime in ANSIC; an Engine component if missing. */
export function normalizeServerVersion(sv: VersionResponse): VersionResponse {
  const components: ComponentVersion[] = (sv.Components ?? []).map((c) => {
    if (c.Name !== 'Engine' || !c.Details?.['BuildTime']) return c;
    return { ...c, Details: { ...c.Details, BuildTime: reformatDate(c.Details['BuildTime']) } };
  });
  if (!components.some((c) => c.Name === 'Engine')) {
    components.push({
      Name: 'Engine',
      Version: sv.Version,
      Details: {
        ApiVersion: sv.ApiVersion,
        MinAPIVersion: sv.MinAPIVersion,
        GitCommit: sv.GitCommit,
        GoVersion: sv.GoVersion,
        Os: sv.Os,
        Arch: sv.Arch,
        BuildTime: reformatDate(sv.BuildTime ?? ''),
        Experimental: String(sv.Experimental ?? false),
      },
    });
  }
  return { ...sv, Platform: sv.Platform ?? { Name: '' }, Components: components };
}

const getDetailsOrder = (c: unknown) => Object.keys((c as ComponentVersion).Details ?? {}).sort();

export default defineCommand({
  name: 'version',
  usage: 'version [OPTIONS]',
  description: 'Show the Berth version information',
  flags: [inspectFormatFlag] as const,
  args: { max: 0 },
  async run(cli, opts) {
    const format = opts.format === '' ? DEFAULT_VERSION_TEMPLATE : opts.format === 'json' ? '{{json .}}' : opts.format;
    let tmpl: Template;
    try {
      tmpl = Template.parse(format, { getDetailsOrder }, 'version');
    } catch (e) {
      if (e instanceof TemplateParseError) throw new StatusError(`template parsing error: ${e.message}`, 64);
      throw e;
    }
    let server: VersionResponse | null = null;
    let serverErr: unknown;
    try {
      server = normalizeServerVersion(await cli.client.version());
    } catch (e) {
      serverErr = e;
    }
    const data = { Client: clientVersion(cli, cli.client.currentVersion), Server: server };
    let text: string;
    let execErr: TemplateExecError | undefined;
    try {
      text = tmpl.execute(data);
    } catch (e) {
      if (!(e instanceof TemplateExecError)) throw e;
      execErr = e;
      text = e.partial;
    }
    cli.out.write(tabulate(text + '\n', 20, 1, 1));
    if (serverErr) throw serverErr;
    if (execErr) throw new CliError(execErr.message);
  },
});
