/**
 * Decoding of JSON-value streams for callers outside the client (the CLI's JSON-message
 * display reads the body of load/import/pull/push/build responses itself, to honour the
 * response's Content-Type as docker does). The decoders load on first use, so that commands
 * which never stream do not pay for them at start-up.
 */

export interface DecodeOptions {
  /** Keys whose large integer values are kept exact as bigint (`timeNano`). */
  bigintKeys?: ReadonlySet<string>;
  /** Largest single value accepted (default 64 MiB); a larger one fails the stream. */
  maxValueBytes?: number;
}

/**
 * Decodes concatenated JSON values (any whitespace or none between them, any chunking) into
 * parsed values. Throws SyntaxError on malformed JSON and Error('unexpected EOF') when the
 * source ends inside a value.
 */
export async function* decodeJsonValues<T = unknown>(source: AsyncIterable<Buffer | string>, opts: DecodeOptions = {}): AsyncGenerator<T> {
  const [{ decodeJsonStream }, { parseJson }] = await Promise.all([import('./jsonlines.js'), import('./json.js')]);
  yield* decodeJsonStream<T>(source, { parse: (text) => parseJson(text, opts.bigintKeys), maxValueBytes: opts.maxValueBytes });
}
