/** Normalizations shared by the container oracle's recorder and test. */

/** Paths, the socket, and logrus timestamps made comparable across runs. */
export function normalizeOutput(text: string, dir: string, socket: string): string {
  return text
    .replaceAll(dir, '$DIR')
    .replaceAll(encodeURIComponent(socket), '$SOCKET')
    .replaceAll(socket, '$SOCKET')
    .replace(/time="[^"]*"/g, 'time="TIME"');
}

/** docker's name in its own messages, as berth's. */
export const asBerth = (s: string) => s.replace(/\bdocker(?=[ ':])/g, 'berth');
