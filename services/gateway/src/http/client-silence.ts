import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

/**
 * Whose turn it is on a request's connection: the client's while the gateway reads the body
 * (and is not holding it back) and once the answer is being sent; the gateway's while it
 * prepares (before reading the body), while storage holds the body back (the stream paused
 * by backpressure) and between the body's end and the answer (storing, recording the job).
 */
export const isClientsTurn = (
  req: Pick<IncomingMessage, 'complete' | 'readableFlowing'>,
  res: Pick<ServerResponse, 'headersSent'>,
): boolean => res.headersSent || (!req.complete && req.readableFlowing === true);

/**
 * Makes the server's idle timeout (`server.timeout`, GATEWAY_IDLE_TIMEOUT_MS) judge the
 * client's silence only. Node closes a connection that is silent for that long, whichever
 * side is silent: a gateway still storing a large upload after its last byte would close
 * its own connection, the proxy in front would answer 502, and the upload would go on into a
 * job the client never hears of (and uploads again if it retries). While it is the gateway's
 * turn, a timeout re-arms the timer instead. A listener on the response's 'timeout' takes
 * the decision from Node, which otherwise destroys the socket.
 */
export function judgeClientSilenceOnly(req: IncomingMessage, res: ServerResponse): void {
  res.on('timeout', (socket: Socket) => {
    if (isClientsTurn(req, res)) socket.destroy();
    else socket.setTimeout(socket.timeout ?? 0);
  });
}
