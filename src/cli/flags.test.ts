import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FlagError, flagUsages, parseFlags, type FlagSpec } from './flags.js';
import { INSPECT_FORMAT_HELP, filterFlag } from './common-flags.js';

const specs: FlagSpec[] = [
  { name: 'all', short: 'a', kind: 'bool', usage: 'Show all' },
  { name: 'interactive', short: 'i', kind: 'bool', usage: 'Keep STDIN open' },
  { name: 'tty', short: 't', kind: 'bool', usage: 'Allocate a pseudo-TTY' },
  { name: 'publish', short: 'p', kind: 'list', usage: 'Publish a port' },
  { name: 'last', short: 'n', kind: 'int', usage: 'Show n last', default: -1 },
  { name: 'format', short: 'o', kind: 'string', usage: 'Format' },
  { name: 'no-trunc', kind: 'bool', usage: "Don't truncate output" },
  filterFlag,
];

const parse = (argv: string[], interspersed = true) => parseFlags(specs, argv, { interspersed });

test('long forms: --flag=value, --flag value, bool, repeatable', () => {
  const r = parse(['--format={{.ID}}', '--last', '3', '--all', '-p', '80', '--publish=443:443', '--no-trunc']);
  assert.equal(r.values['format'], '{{.ID}}');
  assert.equal(r.values['last'], 3);
  assert.equal(r.values['all'], true);
  assert.equal(r.values['noTrunc'], true);
  assert.deepEqual(r.values['publish'], ['80', '443:443']);
  assert.deepEqual([...r.changed].sort(), ['all', 'format', 'last', 'no-trunc', 'publish']);
});

test('short forms: clusters, attached values, -x=value, next-argument values', () => {
  const r = parse(['-it', '-p8080:80', '-n=5', '-ai', '-o', 'json']);
  assert.equal(r.values['interactive'], true);
  assert.equal(r.values['tty'], true);
  assert.equal(r.values['all'], true);
  assert.deepEqual(r.values['publish'], ['8080:80']);
  assert.equal(r.values['last'], 5);
  assert.equal(r.values['format'], 'json');
  // a cluster may end with a flag taking the rest as its value
  assert.deepEqual(parse(['-ap80']).values['publish'], ['80']);
  // a value starting with '-' is still the value
  assert.equal(parse(['-n', '-1']).values['last'], -1);
});

test('defaults', () => {
  const r = parse([]);
  assert.deepEqual(r.values, { all: false, interactive: false, tty: false, publish: [], last: -1, format: '', noTrunc: false, filter: [], help: false });
});

test('interspersed vs stop at the first positional; -- ends flags', () => {
  assert.deepEqual(parse(['a', '-a', 'b']).args, ['a', 'b']);
  const run = parse(['-it', 'busybox', 'sh', '-c', 'echo -n hi'], false);
  assert.equal(run.values['tty'], true);
  assert.deepEqual(run.args, ['busybox', 'sh', '-c', 'echo -n hi']);
  assert.deepEqual(parse(['-a', '--', '-n', 'x']).args, ['-n', 'x']);
  assert.deepEqual(parse(['-', 'x']).args, ['-', 'x']);
});

test("pflag's error wording", () => {
  const cases: [string[], string][] = [
    [['--foo'], 'unknown flag: --foo'],
    [['--foo=1'], 'unknown flag: --foo'],
    [['-x'], "unknown shorthand flag: 'x' in -x"],
    [['-ax'], "unknown shorthand flag: 'x' in -x"],
    [['-xa'], "unknown shorthand flag: 'x' in -xa"],
    [['--format'], 'flag needs an argument: --format'],
    [['-o'], "flag needs an argument: 'o' in -o"],
    [['-ao'], "flag needs an argument: 'o' in -o"],
    [['--last', 'abc'], 'invalid argument "abc" for "-n, --last" flag: strconv.ParseInt: parsing "abc": invalid syntax'],
    [['--all=foo'], 'invalid argument "foo" for "-a, --all" flag: strconv.ParseBool: parsing "foo": invalid syntax'],
    [['--no-trunc=maybe'], 'invalid argument "maybe" for "--no-trunc" flag: strconv.ParseBool: parsing "maybe": invalid syntax'],
    [['--filter', 'foo'], 'invalid argument "foo" for "-f, --filter" flag: bad format of filter (expected name=value)'],
    [['---x'], 'bad flag syntax: ---x'],
  ];
  for (const [argv, msg] of cases) {
    assert.throws(() => parse(argv), (e: unknown) => e instanceof FlagError && e.message === msg, argv.join(' '));
  }
});

test('bool values and int bases as strconv parses them', () => {
  assert.equal(parse(['--all=false']).values['all'], false);
  assert.equal(parse(['-a=0']).values['all'], false);
  assert.equal(parse(['--all=T']).values['all'], true);
  assert.equal(parse(['--last=0x10']).values['last'], 16);
});

test('-h is help, and remembered as the deprecated shorthand', () => {
  const r = parse(['-h']);
  assert.equal(r.values['help'], true);
  assert.equal(r.helpShorthand, true);
  assert.equal(parse(['--help']).helpShorthand, false);
});

test("flag usages in pflag's wrapped layout (docker events --help)", () => {
  const events: FlagSpec[] = [
    filterFlag,
    { name: 'format', kind: 'string', usage: INSPECT_FORMAT_HELP },
    { name: 'since', kind: 'string', usage: 'Show all events created since timestamp' },
    { name: 'until', kind: 'string', usage: 'Stream events until this timestamp' },
  ];
  // verbatim from `docker events --help` (docker 28.2.2, 80 columns)
  const want = `  -f, --filter filter   Filter output based on conditions provided
      --format string   Format output using a custom template:
                        'json':             Print in JSON format
                        'TEMPLATE':         Print output using the given
                        Go template.
                        Refer to https://docs.docker.com/go/formatting/
                        for more information about formatting output with
                        templates
      --since string    Show all events created since timestamp
      --until string    Stream events until this timestamp
`;
  assert.equal(flagUsages(events, 79), want);
});

test('defaults shown as docker does', () => {
  const out = flagUsages(
    [
      { name: 'log-level', short: 'l', kind: 'string', usage: 'Set the logging level', default: 'info' },
      { name: 'last', short: 'n', kind: 'int', usage: 'Show n last created containers (includes all states)', default: -1 },
      { name: 'hidden', kind: 'bool', usage: 'x', hidden: true },
    ],
    79,
  );
  assert.equal(
    out,
    `  -n, --last int           Show n last created containers (includes all
                           states) (default -1)
  -l, --log-level string   Set the logging level (default "info")
`,
  );
});
