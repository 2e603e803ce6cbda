import type { IncomingMessage, ServerResponse } from 'node:http';
import { finished } from 'node:stream';
import type { ServerRequest } from 'srvx';
import { NodeRequest } from 'srvx/node';

/** Bytes the body stream queues before it pauses the request. */
const BODY_QUEUE_BYTES = 1024 * 1024;

/**
 * The request body as a web stream of the request's own Buffers. Node's
 * `Readable.toWeb`, which srvx uses for @tus/server, copies every chunk into a
 * new Uint8Array so that none shares a pooled buffer: one more copy of every
 * uploaded byte, and its garbage, was a third of the gateway's CPU on a tus
 * upload. The HTTP parser's body chunks are slices of each socket read's own
 * buffer, never reused, so handing them on is safe (the raw route keeps them too).
 */
export function uncopiedBodyStream(req: IncomingMessage): ReadableStream<Uint8Array> {
  let settled = false;
  return new ReadableStream<Uint8Array>(
    {
      start(controller) {
        req.on('data', (chunk: Buffer) => {
          if (settled) return;
          controller.enqueue(chunk);
          if ((controller.desiredSize ?? 0) <= 0) req.pause();
        });
        finished(req, (err) => {
          if (settled) return;
          settled = true;
          if (err) controller.error(err);
          else controller.close();
        });
      },
      pull() {
        req.resume();
      },
      cancel(reason: unknown) {
        // As Readable.toWeb: a reader that gives up ends the request.
        settled = true;
        req.destroy(reason instanceof Error ? reason : undefined);
      },
    },
    new ByteLengthQueuingStrategy({ highWaterMark: BODY_QUEUE_BYTES }),
  );
}

/**
 * srvx's request for @tus/server (what `Server.handle` makes), its body the
 * uncopied stream: an own property in front of srvx's getter, which srvx's
 * own readers of the body call too.
 */
export function uncopiedBodyRequest(req: IncomingMessage, res: ServerResponse): ServerRequest {
  const request = new NodeRequest({ req, res });
  const carriesBody = req.method !== 'GET' && req.method !== 'HEAD';
  let body: ReadableStream<Uint8Array> | null | undefined;
  Object.defineProperty(request, 'body', {
    get: () => (body ??= carriesBody ? uncopiedBodyStream(req) : null),
  });
  return request;
}
