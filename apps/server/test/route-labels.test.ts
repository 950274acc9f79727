import { describe, expect, it } from 'vitest';
import { routeLabeler } from '../src/route-labels.js';

describe('routeLabeler', () => {
  const routeOf = routeLabeler([
    { path: 'user.me', method: 'get', route: '/users/me' },
    { path: 'user.byId', method: 'get', route: '/users/{id}' },
    { path: 'auth.login', method: 'post', route: '/auth/login' },
  ]);

  // A tRPC call by its procedure, a batch as one label, anything else as unknown; a REST call by
  // its documented template, never by the raw URL.
  it.each([
    ['GET', '/trpc/user.me', '/trpc/user.me'],
    ['POST', '/trpc/auth.login', '/trpc/auth.login'],
    ['GET', '/trpc/user.me,user.byId', '/trpc (batch)'],
    ['GET', '/trpc/user.me,nope', '/trpc (unknown procedure)'],
    ['GET', '/trpc/nope', '/trpc (unknown procedure)'],
    ['GET', '/trpc/', '/trpc (unknown procedure)'],
    // A prefix of a known path is not that path.
    ['GET', '/trpc/user', '/trpc (unknown procedure)'],
    ['GET', '/api/users/42', '/api/users/{id}'],
    ['GET', '/api/users/me', '/api/users/me'],
    ['POST', '/api/users/42', 'unmatched'],
    ['GET', '/api/docs/swagger.css', '/api/docs'],
    ['GET', '/readyz', '/readyz'],
    ['GET', '/somewhere/else', 'unmatched'],
  ])('%s %s is labelled %s', (method, path, label) => {
    expect(routeOf(method, path)).toBe(label);
  });
});
