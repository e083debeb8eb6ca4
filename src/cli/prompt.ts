/**
 * docker's prompt.Confirm: writes `<message> [y/N] ` to stdout and reads one line from stdin;
 * "y" or "Y" (surrounding spaces ignored) is yes, anything else (or end of input) is no.
 */
import type { Cli } from './cli.js';

/** Reads one line from a stream without consuming more than needed; undefined at end of input. */
export function readLine(input: NodeJS.ReadableStream): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    let buf = '';
    const done = (line: string | undefined) => {
      input.removeListener('data', onData);
      input.removeListener('end', onEnd);
      input.removeListener('error', onError);
      input.pause();
      resolve(line);
    };
    const onData = (chunk: Buffer | string) => {
      buf += chunk.toString();
      const nl = buf.indexOf('\n');
      if (nl < 0) return;
      const rest = buf.slice(nl + 1);
      done(buf.slice(0, nl).replace(/\r$/, ''));
      // what came after the line stays for the next reader
      if (rest) input.unshift(Buffer.from(rest));
    };
    const onEnd = () => done(buf === '' ? undefined : buf);
    const onError = (err: Error) => {
      input.removeListener('data', onData);
      input.removeListener('end', onEnd);
      reject(err);
    };
    input.on('data', onData);
    input.once('end', onEnd);
    input.once('error', onError);
    input.resume();
  });
}

/** Asks `message [y/N] ` on stdout; resolves true for "y"/"Y". */
export async function confirm(cli: Cli, message: string): Promise<boolean> {
  cli.out.write(`${message} [y/N] `);
  const answer = await readLine(cli.in);
  return answer !== undefined && answer.trim().toLowerCase() === 'y';
}
