/** The berth CLI. */
export { main, globalFlags } from './main.js';
export type { CliIO, OutputStream } from './io.js';
export { Cli, type GlobalOptions } from './cli.js';
export { defineCommand, StatusError, CliError, type CommandModule, type ArgsSpec } from './command.js';
export type { FlagSpec, FlagKind, OptionsOf } from './flags.js';
