/**
 * The client's address, for quotas and logs. By default the socket's peer (a client can forge any
 * header); behind reverse proxies (SUPPORT_TRUST_PROXY = the number of proxy hops in front of
 * us) the entry of X-Forwarded-For that the outermost trusted proxy appended.
 */
import { isIP } from 'node:net';
import { getConnInfo } from '@hono/node-server/conninfo';
import type { Context } from 'hono';

const unmap = (address: string) => address.replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/i, '');

/** The socket's address; undefined without a socket (`app.request()` in tests). */
function socketAddress(c: Context): string | undefined {
  try {
    const address = getConnInfo(c).remote.address;
    return address ? unmap(address) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The client address of a request. With `trustedHops` = n > 0, X-Forwarded-For's n-th entry from
 * the right (each trusted proxy appends the address it saw); a missing or invalid entry falls back
 * to the socket.
 */
export function clientAddress(c: Context, trustedHops: number): string | undefined {
  const socket = socketAddress(c);
  if (trustedHops <= 0) return socket;
  const entries = (c.req.header('x-forwarded-for') ?? '').split(',').map((e) => e.trim());
  const candidate = entries.length >= trustedHops ? entries[entries.length - trustedHops] : undefined;
  return candidate && isIP(candidate) ? unmap(candidate) : socket;
}
