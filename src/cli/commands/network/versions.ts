/**
 * docker's pre-run checks of the "version" annotations (cli/cobra.go isSupported): a command
 * or flag newer than the daemon's API fails before the command runs, exit 1:
 *
 *   docker network prune requires API version 1.25, but the Docker daemon API version is 1.24
 *   "--scope" requires API version 1.30, but the Docker daemon API version is 1.24
 *
 * Flag errors are all reported, one per line, in flag-name order.
 */
import { versionLessThan } from '../../../api/types/index.js';
import type { Cli } from '../../cli.js';
import { BIN, CliError } from '../../command.js';

/** areSubcommandsSupported: `path` is the command path without the binary. */
export async function requireCommandVersion(cli: Cli, path: readonly string[], required: string): Promise<void> {
  const version = await cli.client.apiVersion();
  if (versionLessThan(version, required)) {
    throw new CliError(`${[BIN, ...path].join(' ')} requires API version ${required}, but the Docker daemon API version is ${version}`);
  }
}

/** areFlagsSupported: the flags given (`changed`) that `annotations` (flag -> API version) gate. */
export async function requireFlagVersions(cli: Cli, changed: ReadonlySet<string>, annotations: Readonly<Record<string, string>>): Promise<void> {
  const gated = Object.keys(annotations)
    .filter((f) => changed.has(f))
    .sort();
  if (gated.length === 0) return;
  const version = await cli.client.apiVersion();
  const errs = gated
    .filter((f) => versionLessThan(version, annotations[f]!))
    .map((f) => `"--${f}" requires API version ${annotations[f]}, but the Docker daemon API version is ${version}`);
  if (errs.length) throw new CliError(errs.join('\n'));
}
