/**
 * What each request of the Postman collection does beyond what the OpenAPI
 * document says: its body and parameters (collection variables), the scripts
 * that save tokens and assert the response, and the order of a collection run.
 * `postman.ts` turns the OpenAPI document into a collection and applies this.
 */

/** An operation as `METHOD /path`, with the path as written in the OpenAPI document. */
export type OperationKey = `${'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE'} /${string}`;

export interface StepContext {
  /** The URL of an operation with `{{baseUrl}}`, as the collection sends it. */
  urlOf(operation: OperationKey): string;
}

export interface FlowStep {
  operation: OperationKey;
  /** The request's name in Postman (the OpenAPI summary goes into its description). */
  name: string;
  /** The JSON body, with `{{variables}}`; replaces the example body of the document. */
  body?: Record<string, string>;
  /** Values of path variables, e.g. `{ id: '{{userId}}' }`. */
  pathVariables?: Record<string, string>;
  /** Query parameters: their value (default: the document's example) and whether they are ticked. */
  query?: Record<string, { value?: string; enabled: boolean }>;
  /** Markdown added to the request's description: what it uses and what it saves. */
  note: string;
  prerequest?: (ctx: StepContext) => string[];
  test: (ctx: StepContext) => string[];
}

/** The server of `pnpm dev`: the value of `baseUrl` in the local environment and the collection's default. */
export const LOCAL_BASE_URL = 'http://127.0.0.1:3000';

/** Collection variables, in the order Postman shows them. `baseUrl` is the environment's, with a default. */
export const COLLECTION_VARIABLES: { key: string; value: string; description: string }[] = [
  {
    key: 'baseUrl',
    value: LOCAL_BASE_URL,
    description: 'The server, without `/api`. The environment `local.postman_environment.json` sets it too and wins.',
  },
  { key: 'username', value: '', description: 'Set by "Register" (a new unique name each time); used by "Sign in".' },
  { key: 'password', value: '', description: 'Set by "Register", updated by "Change password"; used by "Sign in".' },
  { key: 'newPassword', value: '', description: 'Set by the pre-request script of "Change password".' },
  {
    key: 'accessToken',
    value: '',
    description:
      'Saved by Register, Sign in and Refresh; sent as `Authorization: Bearer {{accessToken}}` by every protected request (collection auth). Cleared by the logouts.',
  },
  {
    key: 'refreshToken',
    value: '',
    description: 'Saved by Register, Sign in and Refresh; sent by Refresh. Cleared by the logouts.',
  },
  {
    key: 'userId',
    value: '',
    description: 'The signed-in user\'s id, saved by Register, Sign in and "Me"; used by "User by id".',
  },
  {
    key: 'email',
    value: '',
    description:
      'Set by the pre-request script of "Set email" (a new address each run); used by "Request password reset".',
  },
  {
    key: 'verifyToken',
    value: '',
    description:
      'Paste the token of the verification link here (`#/verify-email?token=…`; in development the server prints the mail) for "Verify email".',
  },
  {
    key: 'resetToken',
    value: '',
    description:
      'Paste the token of the reset link here (`#/reset-password?token=…`) for "Reset password"; it becomes empty again once used.',
  },
  {
    key: 'nextCursor',
    value: '',
    description: 'Saved by "List users" (empty on the last page); tick its `cursor` parameter to get the next page.',
  },
];

/** A JavaScript string literal in single quotes. */
export const jsString = (value: string) => `'${value.replace(/[\\']/g, '\\$&')}'`;

export const STATUS_200 = ["pm.test('status is 200', () => pm.response.to.have.status(200));"];

const sameUsername = (expression: string) =>
  `pm.expect(String(${expression}).toLowerCase()).to.eql(String(pm.collectionVariables.get('username')).toLowerCase());`;

const publicUserKeys = "'id', 'username', 'role', 'createdAt'";
const currentUserKeys = `${publicUserKeys}, 'email', 'emailVerified', 'pendingEmail'`;

/**
 * Test lines for a request that sends mail: 200 as the contract says, or 503
 * from a server without SMTP_URL in production (as in CI's newman run).
 */
const mailingTest = (then: string[] = []): string[] => [
  'if (pm.response.code === 503) {',
  "  pm.test('email is not configured on this server (503)', () => {",
  '    pm.expect(pm.response.json().message).to.match(/Email is not configured/);',
  '  });',
  '} else {',
  "  pm.test('status is 200', () => pm.response.to.have.status(200));",
  "  pm.test('done', () => pm.expect(pm.response.json()).to.eql({ success: true }));",
  ...then.map((line) => `  ${line}`),
  '}',
];

/**
 * Test lines for a request that spends a pasted token: 200 with one; without
 * one (a run without a mailbox), the 400 naming `token` that tells to paste it.
 */
const pastedTokenTest = (variable: string, then: string[] = []): string[] => [
  `if (!pm.collectionVariables.get('${variable}')) {`,
  `  pm.test('without a pasted ${variable}: 400 naming token', () => {`,
  '    pm.expect(pm.response.code).to.eql(400);',
  '    pm.expect(pm.response.json().message).to.match(/^token: /);',
  '  });',
  '} else {',
  "  pm.test('status is 200', () => pm.response.to.have.status(200));",
  `  if (pm.response.code === 200) pm.collectionVariables.set('${variable}', '');`,
  ...then.map((line) => `  ${line}`),
  '}',
];

/** Test lines for login, register and refresh: a token pair for the collection's user, saved. */
const tokenPairTest = (): string[] => [
  ...STATUS_200,
  "pm.test('returns a token pair for the user of the collection', () => {",
  '  const pair = pm.response.json();',
  "  pm.expect(pair.accessToken).to.be.a('string').and.not.empty;",
  "  pm.expect(pair.refreshToken).to.be.a('string').and.not.empty;",
  "  pm.expect(pair.tokenType).to.eql('Bearer');",
  "  pm.expect(pair.expiresAt).to.be.a('number');",
  "  pm.expect(pair.refreshExpiresAt).to.be.a('number');",
  `  pm.expect(pair.user).to.have.all.keys(${publicUserKeys});`,
  `  ${sameUsername('pair.user.username')}`,
  '});',
  'if (pm.response.code === 200) {',
  '  const pair = pm.response.json();',
  "  pm.collectionVariables.set('accessToken', pair.accessToken);",
  "  pm.collectionVariables.set('refreshToken', pair.refreshToken);",
  "  pm.collectionVariables.set('userId', pair.user.id);",
  '}',
];

const clearTokens = [
  "  pm.collectionVariables.set('accessToken', '');",
  "  pm.collectionVariables.set('refreshToken', '');",
];

const credentialsBody = { username: '{{username}}', password: '{{password}}' };

/**
 * Every request of the collection, in the order a collection run sends them:
 * register → sign in → me → list → by id → change password → set email →
 * resend verification → verify email → refresh → logout → logout all →
 * request password reset → reset password. Within a folder (tag), requests are listed in this order too;
 * where the run leaves a folder, the generator adds pm.execution.setNextRequest.
 */
export const RUN: FlowStep[] = [
  {
    operation: 'POST /auth/register',
    name: 'Register',
    body: credentialsBody,
    note: 'Its pre-request script picks a new unique `username` and a random `password` (collection variables), so it never collides with an earlier run. Saves `accessToken`, `refreshToken` and `userId`.',
    prerequest: () => [
      '// A new account on every run: a unique username and a random password, kept for "Sign in".',
      'const suffix = Date.now().toString(36) + Math.random().toString(36).slice(2, 6);',
      "pm.collectionVariables.set('username', 'postman_' + suffix);",
      "pm.collectionVariables.set('password', 'pw-' + Math.random().toString(36).slice(2) + '-' + suffix);",
    ],
    test: tokenPairTest,
  },
  {
    operation: 'POST /auth/login',
    name: 'Sign in',
    body: credentialsBody,
    note: 'Signs in as `{{username}}` with `{{password}}` (set by "Register", or set them yourself in the collection variables). Saves `accessToken`, `refreshToken` and `userId`.',
    test: tokenPairTest,
  },
  {
    operation: 'GET /users/me',
    name: 'Me',
    note: 'Saves `userId`.',
    test: () => [
      ...STATUS_200,
      "pm.test('is the signed-in user, with its own address', () => {",
      '  const user = pm.response.json();',
      `  pm.expect(user).to.have.all.keys(${currentUserKeys});`,
      "  pm.expect(user.emailVerified).to.be.a('boolean');",
      `  ${sameUsername('user.username')}`,
      "  pm.expect(user.role).to.be.oneOf(['user', 'admin']);",
      '});',
      "if (pm.response.code === 200) pm.collectionVariables.set('userId', pm.response.json().id);",
    ],
  },
  {
    operation: 'GET /users',
    name: 'List users',
    query: { limit: { enabled: true }, cursor: { value: '{{nextCursor}}', enabled: false } },
    note: "Saves the page's `nextCursor`: tick `cursor` and send again for the next page.",
    test: () => [
      ...STATUS_200,
      "pm.test('returns a page of users', () => {",
      '  const page = pm.response.json();',
      "  pm.expect(page.items).to.be.an('array').and.not.empty;",
      `  page.items.forEach((user) => pm.expect(user).to.have.all.keys(${publicUserKeys}));`,
      "  pm.expect(page).to.have.property('nextCursor');",
      "  pm.expect(page.nextCursor === null || typeof page.nextCursor === 'string').to.be.true;",
      '});',
      "if (pm.response.code === 200) pm.collectionVariables.set('nextCursor', pm.response.json().nextCursor || '');",
    ],
  },
  {
    operation: 'GET /users/{id}',
    name: 'User by id',
    pathVariables: { id: '{{userId}}' },
    note: 'Reads the user `{{userId}}` (saved by "Register", "Sign in" and "Me").',
    test: () => [
      ...STATUS_200,
      "pm.test('is the user saved in userId', () => {",
      '  const user = pm.response.json();',
      `  pm.expect(user).to.have.all.keys(${publicUserKeys});`,
      "  pm.expect(user.id).to.eql(pm.collectionVariables.get('userId'));",
      '});',
    ],
  },
  {
    operation: 'POST /users/me/password',
    name: 'Change password',
    body: { currentPassword: '{{password}}', newPassword: '{{newPassword}}' },
    note: 'Its pre-request script picks a random `newPassword`; once the server accepts it, it becomes `{{password}}`, so "Sign in" keeps working. Ends every other session of the user (here: the one "Register" opened).',
    prerequest: () => [
      "pm.collectionVariables.set('newPassword', 'pw-' + Math.random().toString(36).slice(2) + '-' + Date.now().toString(36));",
    ],
    test: () => [
      ...STATUS_200,
      "pm.test('reports the other sessions it ended', () => {",
      "  pm.expect(pm.response.json().revokedSessions).to.be.a('number').and.at.least(0);",
      '});',
      "if (pm.response.code === 200) pm.collectionVariables.set('password', pm.collectionVariables.get('newPassword'));",
    ],
  },
  {
    operation: 'POST /users/me/email',
    name: 'Set email',
    body: { email: '{{email}}', currentPassword: '{{password}}' },
    note: 'Its pre-request script picks a new address (`email`): pending (`pendingEmail` in "Me") until its link is followed. Sends it a verification link (24 hours); in development the server prints the mail. Answers 503 on a production server without `SMTP_URL`.',
    prerequest: () => [
      "pm.collectionVariables.set('email', 'postman.' + Date.now().toString(36) + Math.random().toString(36).slice(2, 6) + '@example.com');",
    ],
    test: () => mailingTest(),
  },
  {
    operation: 'POST /users/me/email/verification',
    name: 'Resend verification',
    note: 'Sends a new verification link to `{{email}}`; the previous link stops working.',
    test: () => mailingTest(),
  },
  {
    operation: 'POST /auth/verify-email',
    name: 'Verify email',
    body: { token: '{{verifyToken}}' },
    note: 'Paste the token of the verification link into `verifyToken` first. Without it the answer is the 400 naming `token`.',
    test: () => pastedTokenTest('verifyToken'),
  },
  {
    operation: 'POST /auth/refresh',
    name: 'Refresh',
    body: { refreshToken: '{{refreshToken}}' },
    note: 'Sends `{{refreshToken}}` and saves the new `accessToken` and `refreshToken` (the one sent is retired: sending it again revokes the session).',
    test: tokenPairTest,
  },
  {
    operation: 'POST /auth/logout',
    name: 'Logout',
    note: 'Ends the session of `{{accessToken}}` and clears `accessToken` and `refreshToken`.',
    test: () => [
      ...STATUS_200,
      "pm.test('signed out', () => pm.expect(pm.response.json()).to.eql({ success: true }));",
      'if (pm.response.code === 200) {',
      ...clearTokens,
      '}',
    ],
  },
  {
    operation: 'POST /auth/logout-all',
    name: 'Logout all',
    note: 'Ends every session of the user and clears `accessToken` and `refreshToken`. When there is no `accessToken` (e.g. right after "Logout"), its pre-request script first signs in with `{{username}}` and `{{password}}`, so there is a session to end.',
    prerequest: (ctx) => [
      '// No session (e.g. right after logout): sign in first, so there is something to end.',
      "if (!pm.collectionVariables.get('accessToken')) {",
      '  pm.sendRequest({',
      `    url: pm.variables.replaceIn(${jsString(ctx.urlOf('POST /auth/login'))}),`,
      "    method: 'POST',",
      "    header: { 'Content-Type': 'application/json' },",
      '    body: {',
      "      mode: 'raw',",
      '      raw: JSON.stringify({',
      "        username: pm.collectionVariables.get('username'),",
      "        password: pm.collectionVariables.get('password'),",
      '      }),',
      '    },',
      '  }, (error, response) => {',
      '    if (error || response.code !== 200) {',
      "      console.error('Sign in before logout-all failed', error || response.code);",
      '      return;',
      '    }',
      "    pm.collectionVariables.set('accessToken', response.json().accessToken);",
      "    pm.collectionVariables.set('refreshToken', response.json().refreshToken);",
      '  });',
      '}',
    ],
    test: () => [
      ...STATUS_200,
      "pm.test('ended every session', () => {",
      "  pm.expect(pm.response.json().revokedSessions).to.be.a('number').and.at.least(1);",
      '});',
      'if (pm.response.code === 200) {',
      ...clearTokens,
      '}',
    ],
  },
  {
    operation: 'POST /auth/password-reset',
    name: 'Request password reset',
    body: { email: '{{email}}' },
    note: 'Asks for a reset link for `{{email}}`. The answer is the same whether or not the address has an account; a link (30 minutes) goes only to a verified address.',
    test: () => mailingTest(),
  },
  {
    operation: 'POST /auth/password-reset/confirm',
    name: 'Reset password',
    body: { token: '{{resetToken}}', newPassword: '{{newPassword}}' },
    note: 'Paste the token of the reset link into `resetToken` first. Sets `{{newPassword}}` (a fresh random one) as the password and ends every session of the user; `password` is updated, so "Sign in" works with it.',
    prerequest: () => [
      "pm.collectionVariables.set('newPassword', 'pw-' + Math.random().toString(36).slice(2) + '-' + Date.now().toString(36));",
    ],
    test: () =>
      pastedTokenTest('resetToken', [
        "if (pm.response.code === 200) pm.collectionVariables.set('password', pm.collectionVariables.get('newPassword'));",
      ]),
  },
];
