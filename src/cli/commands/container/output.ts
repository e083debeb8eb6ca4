/**
 * Response bodies to the CLI's outputs: raw (a tty container's logs) or stdcopy frames
 * (stdcopy.StdCopy: stream 1 to stdout, 2 to stderr, 3 is the daemon's error and ends the
 * copy with "error from daemon in stream: <text>").
 */
import { StdcopyDemuxer, StdcopyError } from '../../../lib/index.js';
import { writeAndDrain, type OutputStream } from '../../io.js';

export async function copyRawBody(body: AsyncIterable<Buffer>, out: OutputStream): Promise<void> {
  for await (const chunk of body) await writeAndDrain(out, chunk);
}

export async function copyStdcopy(body: AsyncIterable<Buffer>, stdout: OutputStream | undefined, stderr: OutputStream | undefined): Promise<void> {
  const demux = new StdcopyDemuxer({ wholeFrames: false });
  let systemErr: Buffer[] | undefined;
  const fail = () => new Error(`error from daemon in stream: ${Buffer.concat(systemErr ?? []).toString()}`);
  for await (const chunk of body) {
    let frames;
    try {
      frames = demux.push(chunk);
    } catch (e) {
      if (e instanceof StdcopyError) throw new Error(`Unrecognized input header: ${/header: (\d+)/.exec(e.message)?.[1] ?? ''}`);
      throw e;
    }
    for (const f of frames) {
      if (f.stream === 3) {
        (systemErr ??= []).push(f.data);
        continue;
      }
      if (systemErr) throw fail();
      const out = f.stream === 2 ? stderr : f.stream === 1 ? stdout : undefined;
      if (out) await writeAndDrain(out, f.data);
    }
    if (systemErr && !demux.midFrame) throw fail();
  }
  if (systemErr) throw fail();
}
