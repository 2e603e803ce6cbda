import { promises as dns } from 'node:dns';

/** Every address a host name resolves to; injectable so tests never touch DNS. */
export type Resolver = (host: string) => Promise<string[]>;

/** What a socket would use: the system resolver (getaddrinfo, /etc/hosts included). */
export const systemResolver: Resolver = async (host) =>
  (await dns.lookup(host, { all: true })).map((entry) => entry.address);
