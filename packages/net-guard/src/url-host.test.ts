import { parseUrlHost } from './url-host';

const describeHost = (host: string): string => {
  const parsed = parseUrlHost(host);
  if (parsed === null) return 'invalid';
  return parsed.kind === 'ip' ? `ip ${parsed.text}` : `name ${parsed.name}`;
};

describe('parseUrlHost', () => {
  it.each([
    ['127.0.0.1', 'ip 127.0.0.1'],
    ['127.1', 'ip 127.0.0.1'],
    ['2130706433', 'ip 127.0.0.1'],
    ['0x7F.0.0.1', 'ip 127.0.0.1'],
    ['017700000001', 'ip 127.0.0.1'],
    ['127.0.0.1.', 'ip 127.0.0.1'],
    ['[::1]', 'ip ::1'],
    ['::1', 'ip ::1'],
    ['[::FFFF:127.0.0.1]', 'ip 127.0.0.1'],
    ['[::ffff:7f00:1]', 'ip 127.0.0.1'],
    ['[::127.0.0.1]', 'ip ::7f00:1'],
    ['[FE80::1%25eth0]', 'ip fe80::1'],
    ['fe80::1%eth0', 'ip fe80::1'],
    ['localhost', 'name localhost'],
    ['localhost.', 'name localhost'],
    ['LOCALHOST.', 'name localhost'],
    ['Hooks.Example.COM', 'name hooks.example.com'],
    ['xn--bcher-kva.example', 'name xn--bcher-kva.example'],
    ['under_score.example', 'name under_score.example'],
    ['', 'invalid'],
    ['.', 'invalid'],
    ['localhost..', 'invalid'],
    ['a..b', 'invalid'],
    ['127.0.0.1..', 'invalid'],
    ['1.2.3.4.5', 'invalid'],
    ['example.0x7f', 'invalid'],
    ['example.123', 'invalid'],
    ['[127.0.0.1]', 'invalid'],
    ['[example.com]', 'invalid'],
    ['[::1', 'invalid'],
    ['::1]', 'invalid'],
    ['exa mple.com', 'invalid'],
    ['example.com:80', 'invalid'],
    ['user@example.com', 'invalid'],
    ['b\u00fccher.example', 'invalid'],
  ])('%j is %s', (host, expected) => {
    expect(describeHost(host)).toBe(expected);
  });

  it('agrees with new URL() on every IPv4 notation it canonicalises', () => {
    for (const host of ['127.1', '0x7f.1', '0177.0.0.1', '2130706433', '0x7f000001', '0', '0x']) {
      const viaUrl = new URL(`http://${host}/`).hostname;
      expect(describeHost(host)).toBe(`ip ${viaUrl}`);
    }
  });
});
