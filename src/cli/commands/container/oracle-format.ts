/** Normalizations shared by the container oracle's recorder and test. */

/**
 * Paths, the socket, and logrus timestamps made comparable across runs. docker cp's tar
 * goroutine logs "read/write on closed pipe" when a copy is refused before the archive was
 * read, or not, depending on scheduling: those lines are dropped.
 */
export function normalizeOutput(text: string, dir: string, socket: string): string {
  return text
    .replace(/^time="[^"]*" level=error msg="Can't (add file .* to tar|close tar writer): io: read\/write on closed pipe"\n/gm, '')
    .replaceAll(dir, '$DIR')
    .replaceAll(encodeURIComponent(socket), '$SOCKET')
    .replaceAll(socket, '$SOCKET')
    .replace(/time="[^"]*"/g, 'time="TIME"');
}

/** docker's name in its own messages, as berth's. */
export const asBerth = (s: string) => s.replace(/\bdocker(?=[ ':])/g, 'berth');
