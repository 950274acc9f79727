import { describe, expect, it } from 'vitest';
import { routeLabeler } from '../src/route-labels.js';

describe('routeLabeler', () => {
  const routeOf = routeLabeler([
    { path: 'user.me', method: 'get', route: '/users/me' },
    { path: 'user.byId', method: 'get', route: '/users/{id}' },
    { path: 'auth.login', method: 'post', route: '/auth/login' },
  ]);

  it('labels a tRPC call by its procedure, a batch as one label, and anything else as unknown', () => {
    expect(routeOf('GET', '/trpc/user.me')).toBe('/trpc/user.me');
    expect(routeOf('POST', '/trpc/auth.login')).toBe('/trpc/auth.login');
    expect(routeOf('GET', '/trpc/user.me,user.byId')).toBe('/trpc (batch)');
    expect(routeOf('GET', '/trpc/user.me,nope')).toBe('/trpc (unknown procedure)');
    expect(routeOf('GET', '/trpc/nope')).toBe('/trpc (unknown procedure)');
    expect(routeOf('GET', '/trpc/')).toBe('/trpc (unknown procedure)');
    // A prefix of a known path is not that path.
    expect(routeOf('GET', '/trpc/user')).toBe('/trpc (unknown procedure)');
  });

  it('labels a REST call by its documented template, never by the raw URL', () => {
    expect(routeOf('GET', '/api/users/42')).toBe('/api/users/{id}');
    expect(routeOf('GET', '/api/users/me')).toBe('/api/users/me');
    expect(routeOf('POST', '/api/users/42')).toBe('unmatched');
    expect(routeOf('GET', '/api/docs/swagger.css')).toBe('/api/docs');
    expect(routeOf('GET', '/readyz')).toBe('/readyz');
    expect(routeOf('GET', '/somewhere/else')).toBe('unmatched');
  });
});
