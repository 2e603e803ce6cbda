import { connect, type Socket } from 'node:net';

const CONTINUE = 'HTTP/1.1 100 Continue\r\n\r\n';

/**
 * Sends `head` (request line and headers, ending in an empty line) on a fresh
 * connection and returns everything the server sent until it closed the
 * connection. When the server answers `100 Continue`, `onContinue` is called
 * once with the socket (to send the body). Send `Connection: close`.
 */
export function rawExchange(
  url: string,
  head: string,
  onContinue?: (socket: Socket) => void,
  timeoutMs = 10_000,
): Promise<string> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname);
    let received = '';
    let continued = false;
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no end of answer within ${timeoutMs} ms; got ${JSON.stringify(received)}`));
    }, timeoutMs);
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      received += chunk;
      if (onContinue && !continued && received.startsWith(CONTINUE)) {
        continued = true;
        onContinue(socket);
      }
    });
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(received);
    });
    socket.write(head);
  });
}

/** The status line's code and the JSON body of a complete answer. */
export function parseAnswer(raw: string): { status: number; headers: string; body: unknown } {
  const split = raw.indexOf('\r\n\r\n');
  const headers = raw.slice(0, split);
  const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(headers)?.[1]);
  const text = raw.slice(split + 4);
  return { status, headers, body: text === '' ? null : JSON.parse(text) };
}
