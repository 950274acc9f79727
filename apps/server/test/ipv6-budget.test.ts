/**
 * IPv6 clients are budgeted per /64: one subscriber is routed a whole /64, and
 * a budget per full address would give it 2^64 fresh ones. The client address
 * here is the one a trusted proxy (loopback, as TRUST_PROXY=loopback trusts)
 * names in X-Forwarded-For, over real HTTP.
 */
import { createApiServices, RateLimiterAuthThrottle } from '@repo/api';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../src/config.js';
import { apiConfig, uniqueName, useTestServer } from './helpers.js';

const FAILURES_PER_ADDRESS = 5;
const ctx = useTestServer({
  services: createApiServices(apiConfig, {
    throttle: RateLimiterAuthThrottle.inMemory({ maxFailuresPerAddress: FAILURES_PER_ADDRESS }),
  }),
  logLevel: 'silent',
  trustProxy: parseConfig({ TRUST_PROXY: 'loopback' }, '/repo').trustProxy,
});

/** A failed login from `address` (a fresh unknown username, so only the address's budget can run out). */
async function failFrom(address: string): Promise<number> {
  const res = await fetch(`${ctx.server.baseUrl}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-forwarded-for': address },
    body: JSON.stringify({ username: uniqueName('v6'), password: 'definitely wrong password' }),
  });
  return res.status;
}

describe('client addresses as budgets count them', () => {
  it('counts every address of one IPv6 /64 together, sent at once, and another /64 apart', async () => {
    const statuses = await Promise.all(
      Array.from({ length: 12 }, (_, i) => failFrom(`2001:db8:aa:1:${(i * 911).toString(16)}::${i + 1}`)),
    );
    expect(statuses.filter((status) => status === 401)).toHaveLength(FAILURES_PER_ADDRESS);
    expect(statuses.filter((status) => status === 429)).toHaveLength(12 - FAILURES_PER_ADDRESS);
    expect(await failFrom('2001:db8:aa:2::1')).toBe(401);
  });

  it('counts an IPv4-mapped IPv6 address as its IPv4 address', async () => {
    const statuses = [];
    for (let i = 0; i < 8; i++) statuses.push(await failFrom(i % 2 ? '203.0.113.61' : '::ffff:203.0.113.61'));
    expect(statuses.slice(0, FAILURES_PER_ADDRESS)).toEqual(Array(FAILURES_PER_ADDRESS).fill(401));
    expect(statuses.slice(FAILURES_PER_ADDRESS)).toEqual(Array(8 - FAILURES_PER_ADDRESS).fill(429));
  });
});
