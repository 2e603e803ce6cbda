// Tiny local webhook receiver for `npm start`: prints every delivery it gets.
//
//   node infra/local/webhook-receiver.mjs [--port 9099] [--host 127.0.0.1] [--log FILE]
//
// Answers 204 to any POST. When WEBHOOK_SECRET (whsec_<base64>) is set it checks the
// Standard Webhooks signature: HMAC-SHA256(secret, `${webhook-id}.${webhook-timestamp}.${body}`)
// against the `v1,<base64>` entries of the webhook-signature header.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { appendFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: process.env.WEBHOOK_RECEIVER_PORT || '9099' },
    host: { type: 'string', default: '127.0.0.1' },
    log: { type: 'string' },
  },
});

const secret = process.env.WEBHOOK_SECRET || '';

function verify(headers, body) {
  const id = headers['webhook-id'];
  const timestamp = headers['webhook-timestamp'];
  const signatures = headers['webhook-signature'];
  if (!id || !timestamp || !signatures) return 'unsigned (no webhook-id/-timestamp/-signature)';
  if (!secret.startsWith('whsec_')) return 'not checked (WEBHOOK_SECRET not set)';
  const key = Buffer.from(secret.slice('whsec_'.length), 'base64');
  const expected = createHmac('sha256', key).update(`${id}.${timestamp}.`).update(body).digest();
  const ok = String(signatures)
    .split(' ')
    .filter((s) => s.startsWith('v1,'))
    .some((s) => {
      const given = Buffer.from(s.slice(3), 'base64');
      return given.length === expected.length && timingSafeEqual(given, expected);
    });
  const skew = Math.abs(Date.now() / 1000 - Number(timestamp));
  if (!ok) return 'INVALID signature';
  return skew > 300 ? `valid signature, but timestamp is ${Math.round(skew)}s off` : 'valid';
}

function print(text) {
  process.stdout.write(text);
  if (values.log) appendFileSync(values.log, text);
}

const server = createServer((req, res) => {
  const parts = [];
  req.on('data', (c) => parts.push(c));
  req.on('end', () => {
    const body = Buffer.concat(parts);
    let shown = body.toString('utf8');
    try {
      shown = JSON.stringify(JSON.parse(shown), null, 2);
    } catch {
      // not JSON: print as received
    }
    print(
      [
        '',
        `---- webhook received ${new Date().toISOString()} ${req.method} ${req.url}`,
        `webhook-id: ${req.headers['webhook-id'] ?? '-'}`,
        `signature: ${verify(req.headers, body)}`,
        shown,
        '----',
        '',
      ].join('\n'),
    );
    res.statusCode = req.method === 'POST' ? 204 : 405;
    res.end();
  });
});

server.listen(Number(values.port), values.host, () => {
  print(`webhook-receiver: listening on http://${values.host}:${values.port}/hook\n`);
});

const stop = () => {
  setTimeout(() => process.exit(0), 2000).unref();
  server.close(() => process.exit(0));
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
