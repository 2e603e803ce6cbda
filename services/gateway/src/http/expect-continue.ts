import type { IncomingMessage, ServerResponse } from 'node:http';

/** Requests that sent `Expect: 100-continue` and have not been told to go on yet. */
const awaiting = new WeakSet<IncomingMessage>();

/**
 * Called by the server for a request with `Expect: 100-continue` instead of
 * answering `100 Continue` at once: the routes decide first (key, limits,
 * options, the declared size), so a refused upload is refused before its body.
 */
export function holdContinue(req: IncomingMessage): void {
  awaiting.add(req);
}

/** Tells a waiting client to send its body (once); call right before reading it. */
export function sendContinue(req: IncomingMessage, res: ServerResponse): void {
  if (awaiting.delete(req)) res.writeContinue();
}
