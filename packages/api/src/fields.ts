import { USER_ROLES } from '@repo/db';
import { z } from 'zod';

/*
 * The building blocks of the procedures' contracts that more than one
 * procedure, or a service, uses. A schema of one procedure lives in that
 * procedure's file (src/router/<group>/<name>.ts); the WebAuthn JSON shapes
 * of the passkey procedures are in webauthn-json.ts.
 */

const PASSWORD_MIN_BYTES = 8;
// bcrypt reads no more than 72 bytes: longer is refused, never silently cut.
const PASSWORD_MAX_BYTES = 72;
const utf8Bytes = (s: string) => Buffer.byteLength(s, 'utf8');
/** A UTF-16 surrogate without its other half: no UTF-8 encoding exists (Node writes U+FFFD instead). */
const LONE_SURROGATE = /\p{Cs}/u;
/**
 * Ids and cursors are printable: a control character is never part of one,
 * and a NUL would end the SQL text early on SQLite (MikroORM inlines
 * parameters there, escaping quotes only), a 500 instead of a 400 or 404.
 */
export function isPrintable(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const code = s.charCodeAt(i);
    if (code < 0x20 || code === 0x7f) return false;
  }
  return true;
}

// Examples for the OpenAPI document: one user, one session, one moment.
export const EXAMPLE_USER = {
  id: '019ac0a3-5f0e-7c3b-9a51-2b1f0c8d4e6a',
  username: 'alice',
  role: 'user',
  createdAt: '2026-11-26T10:00:00.000Z',
} as const;
export const EXAMPLE_OTHER_USER = {
  id: '019ac0a4-0b2d-7e41-8c3f-6d5a1e9b7c20',
  username: 'bob',
  role: 'user',
  createdAt: '2026-11-26T10:05:00.000Z',
} as const;
const EXAMPLE_ACCESS_TOKEN =
  'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJ0eXAiOiJhY2Nlc3MiLCJzdWIiOiIwMTlhYzBhMy01ZjBlLTdjM2ItOWE1MS0yYjFmMGM4ZDRlNmEiLCJleHAiOjE3OTU2ODgxMDB9.ZXhhbXBsZS1zaWduYXR1cmUtb2YtMzItYnl0ZXMteHg';
export const EXAMPLE_REFRESH_TOKEN =
  'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJ0eXAiOiJyZWZyZXNoIiwic3ViIjoiMDE5YWMwYTMtNWYwZS03YzNiLTlhNTEtMmIxZjBjOGQ0ZTZhIiwiZXhwIjoxNzk4Mjc5MjAwfQ.ZXhhbXBsZS1zaWduYXR1cmUtb2YtMzItYnl0ZXMteXk';
export const EXAMPLE_MFA_TOKEN = 'Yc2Rk9pQ1xVb7tLm0sZr4uWn8eHj3aFg6dKi5oPq2wE';
export const EXAMPLE_RECOVERY_CODE = '3f9a0c1d-77be4a02-c6e1f58b-09d2a7e4';
export const EXAMPLE_PASSKEY_ID = '019ac0b2-7d3e-7a10-9c4f-3e2d1b0a9f87';

export const usernameSchema = z
  .string()
  .min(3, 'must be 3 to 40 characters')
  .max(40, 'must be 3 to 40 characters')
  .regex(/^[A-Za-z0-9_.-]+$/, 'may contain only letters, digits, "_", "." and "-"')
  .meta({ description: '3–40 characters of A–Z a–z 0–9 _ . -, unique without regard to case', example: 'alice' });

/**
 * What JSON Schema can say of the byte rule: it counts characters, and 8
 * bytes of UTF-8 may be 2 four-byte characters, 72 bytes at most 72
 * characters; the description says the rule itself.
 */
export function passwordMeta(description: string, example: string) {
  return {
    description: `${description} (JSON Schema counts characters: so 2 to 72 of them, and no NUL or lone surrogate)`,
    example,
    minLength: Math.ceil(PASSWORD_MIN_BYTES / 4),
    maxLength: PASSWORD_MAX_BYTES,
  };
}

export const passwordSchema = z
  .string()
  // More characters than bytes allowed is refused before counting bytes, and
  // then only once: `abort` keeps the byte count below from saying it again.
  .max(PASSWORD_MAX_BYTES, {
    error: `must be ${PASSWORD_MIN_BYTES} to ${PASSWORD_MAX_BYTES} bytes of UTF-8`,
    abort: true,
  })
  .refine((s) => utf8Bytes(s) >= PASSWORD_MIN_BYTES && utf8Bytes(s) <= PASSWORD_MAX_BYTES, {
    message: `must be ${PASSWORD_MIN_BYTES} to ${PASSWORD_MAX_BYTES} bytes of UTF-8`,
  })
  // bcrypt stops at a NUL byte, which would make "password\0x" equal "password".
  .refine((s) => !s.includes('\u0000'), { message: 'must not contain NUL characters' })
  // Every lone surrogate would reach bcrypt as the same U+FFFD: different passwords, one hash.
  .refine((s) => !LONE_SURROGATE.test(s), { message: 'must be valid Unicode (no lone UTF-16 surrogates)' })
  .meta(passwordMeta('8 to 72 bytes of UTF-8', 'correct horse battery'));

/** A new password where one is changed (user.changePassword, auth.resetPassword). */
export const newPasswordInput = () =>
  passwordSchema.meta(passwordMeta('8 to 72 bytes of UTF-8', 'a brand new passphrase'));

/*
 * Input schemas, and fields of them, are made by functions, so that each
 * router built by createAppRouter has instances of its own (root.ts says
 * why); the `…InputSchema` constants are one instance of each, for code that
 * only parses with them.
 */

/** What `currentPassword` is wherever a change needs the password. */
export const currentPasswordInput = () =>
  z
    .string()
    .min(1, 'is required')
    .max(PASSWORD_MAX_BYTES, 'is incorrect')
    .meta({ description: 'The password in use now', example: 'correct horse battery' });

export const emailSchema = z
  .string()
  .trim()
  .max(254, 'must be at most 254 characters')
  .pipe(z.email('must be an email address such as alice@example.com'))
  .meta({
    description:
      'An email address, at most 254 characters (spaces around it are trimmed); a verified one belongs to one account, without regard to case',
    example: 'alice@example.com',
    format: 'email',
    maxLength: 254,
  });

/** An emailed token: 32 random bytes, base64url. */
export const emailedTokenSchema = z
  .string()
  .min(1, 'is required')
  .max(128, 'is invalid, expired or already used')
  .regex(/^[A-Za-z0-9_-]+$/, 'is invalid, expired or already used')
  .meta({
    description: 'The token of the emailed link (single use)',
    example: 'q3Zt0c8m1XvS2l9yJbQwE4rT6uH7iK0oP5aD3fG8hJk',
  });

export const publicUserSchema = z
  .object({
    id: z.string().meta({ description: 'Opaque user id (UUID v7)' }),
    username: z.string().meta({ description: 'As registered (letter case kept)' }),
    role: z.enum(USER_ROLES),
    createdAt: z.iso.datetime().meta({ description: 'ISO-8601 creation time' }),
  })
  .meta({ id: 'PublicUser', description: 'A user as anyone signed in may see it', example: EXAMPLE_USER });
export type PublicUser = z.infer<typeof publicUserSchema>;

export const tokenPairSchema = z
  .object({
    accessToken: z.string().meta({ description: 'Send as `Authorization: Bearer <accessToken>`' }),
    refreshToken: z.string().optional().meta({
      description:
        'Send once to POST /auth/refresh for a new pair. Absent in cookie mode (`X-Session-Mode: cookie`): the refresh token is then in an HttpOnly cookie',
    }),
    tokenType: z.literal('Bearer'),
    expiresAt: z.number().int().meta({ description: 'Access token expiry, ms since the epoch' }),
    refreshExpiresAt: z.number().int().meta({ description: 'Refresh token expiry, ms since the epoch' }),
    user: publicUserSchema,
  })
  .meta({
    id: 'TokenPair',
    description: 'The tokens of a new session (or of a refreshed one) and its user',
    example: {
      accessToken: EXAMPLE_ACCESS_TOKEN,
      refreshToken: EXAMPLE_REFRESH_TOKEN,
      tokenType: 'Bearer',
      expiresAt: 1795688100000,
      refreshExpiresAt: 1798279200000,
      user: EXAMPLE_USER,
    },
  });
/** What register, login and refresh answer: without `refreshToken` in cookie mode. */
export type TokenPairResponse = z.infer<typeof tokenPairSchema>;
/** A pair as issued, refresh token included (the answer in bearer mode). */
export type TokenPair = TokenPairResponse & { refreshToken: string };

/** The longest refresh token accepted, in a body or a cookie (ours are about 400 characters). */
export const MAX_REFRESH_TOKEN_LENGTH = 4096;

/** The page size of every list: 1 to 100, 20 by default. */
export const pageLimit = () =>
  z
    .number()
    .int()
    .min(1, 'must be 1 to 100')
    .max(100, 'must be 1 to 100')
    .default(20)
    .meta({ description: 'Page size, 1 to 100', example: 20 });

/** The input of the procedures about one user (user.byId, admin.setRole, admin.disableUser). */
export const userIdInput = () =>
  z.object({
    id: z
      .string()
      .min(1)
      .max(64, 'is not a valid user id')
      .refine(isPrintable, 'is not a valid user id')
      .meta({ description: 'User id', example: EXAMPLE_USER.id }),
  });
export const userIdInputSchema = userIdInput();

export const successOutputSchema = z
  .object({ success: z.literal(true) })
  .meta({ id: 'Success', description: 'Done', example: { success: true } });

export const revokedSessionsOutputSchema = z
  .object({ revokedSessions: z.number().int().meta({ description: 'How many sessions were ended' }) })
  .meta({ id: 'RevokedSessions', description: 'Sessions ended by this call', example: { revokedSessions: 2 } });

/**
 * Every REST error body (documentation only: errors are built by the error
 * formatter in trpc.ts and by the server's error handler, not parsed).
 * Open to more fields, so that validators of responses accept additions.
 */
export const errorSchema = z
  .looseObject({
    message: z.string().meta({
      description: 'What went wrong, for people. A 400 names the field: `username: must be 3 to 40 characters`',
    }),
    code: z.string().meta({
      description:
        'What went wrong, for programs: the tRPC error code (BAD_REQUEST, PARSE_ERROR, UNAUTHORIZED, FORBIDDEN, NOT_FOUND, CONFLICT, PAYLOAD_TOO_LARGE, TOO_MANY_REQUESTS, SERVICE_UNAVAILABLE, INTERNAL_SERVER_ERROR, …)',
    }),
    data: z
      .looseObject({
        code: z.string().meta({ description: 'The same code' }),
        httpStatus: z.number().int().meta({ description: 'The HTTP status' }),
        path: z.string().optional().meta({ description: 'The procedure, e.g. `auth.login`' }),
        fieldErrors: z
          .record(z.string(), z.array(z.string()))
          .optional()
          .meta({ description: 'Invalid input: problems by field' }),
        field: z.string().optional().meta({ description: 'The one field at fault, when there is one' }),
        retryAfterSeconds: z.number().int().optional().meta({ description: 'On 429: seconds to wait' }),
      })
      .optional()
      .meta({ description: 'Details, on errors raised by a procedure (not on malformed JSON or oversized bodies)' }),
  })
  .meta({
    id: 'Error',
    description: 'An error: always `message` and `code`',
    example: { message: 'Invalid username or password', code: 'UNAUTHORIZED' },
  });

// Second factor (API.md "Second factor, passkeys and sessions").

/** A 6-digit code of the authenticator app. */
export const totpCodeSchema = z
  .string()
  // Bounded before anything else reads it (the bounds test holds every input to one).
  .max(16, 'must be the 6 digits your authenticator app shows')
  .trim()
  .regex(/^\d{6}$/, 'must be the 6 digits your authenticator app shows')
  .meta({ description: 'The 6-digit code the authenticator app shows now', example: '492039' });

/** What a new set of recovery codes answers (mfa.totpConfirm, mfa.regenerateRecoveryCodes). */
export const recoveryCodesOutputSchema = z
  .object({
    recoveryCodes: z
      .array(z.string())
      .meta({ description: 'Ten single-use codes, shown this once: keep them somewhere safe' }),
  })
  .meta({
    id: 'RecoveryCodes',
    description: 'A new set of recovery codes; any earlier set no longer works',
    example: { recoveryCodes: [EXAMPLE_RECOVERY_CODE] },
  });

export const MFA_METHODS = ['totp', 'recovery'] as const;
export type MfaMethod = (typeof MFA_METHODS)[number];

// Audit log (API.md "Audit log, metrics and traces"): user.securityActivity and admin.auditEvents.

const EXAMPLE_AUDIT_EVENT = {
  id: '019a1b2c-3d4e-7f60-8a9b-0c1d2e3f4a5b',
  at: '2026-12-06T04:20:00.000Z',
  type: 'password.changed',
  userId: EXAMPLE_USER.id,
  actorId: EXAMPLE_USER.id,
  clientAddress: '203.0.113.7',
  userAgent: 'Mozilla/5.0 (X11; Linux x86_64)',
  requestId: '6f1c2d3e-4a5b-4c6d-8e7f-9a0b1c2d3e4f',
  details: { sessionId: '019a1b2c-0000-7000-8000-000000000001', revokedSessions: 2 },
};

export const auditEventSchema = z
  .object({
    id: z.string(),
    at: z.iso.datetime().meta({ description: 'When it happened (ISO 8601, UTC)' }),
    type: z.string().meta({ description: 'The security event, e.g. `login.failed`; new types may appear' }),
    userId: z.string().nullable().meta({ description: 'Whose account it is about (the target of an admin action)' }),
    actorId: z
      .string()
      .nullable()
      .meta({ description: 'Who did it: the admin for admin actions, else the user; null when unproven' }),
    clientAddress: z.string().nullable(),
    userAgent: z.string().nullable(),
    requestId: z.string().nullable(),
    details: z
      .record(z.string(), z.union([z.string(), z.number()]))
      .meta({ description: 'Other fields of the event (sessionId, revokedSessions, role, reason…); never a secret' }),
  })
  .meta({ id: 'AuditEvent', description: 'One security event of the audit log', example: EXAMPLE_AUDIT_EVENT });

export const auditEventPageSchema = z
  .object({
    items: z.array(auditEventSchema),
    nextCursor: z.string().nullable().meta({ description: 'Pass as `cursor` for the next page; null on the last one' }),
  })
  .meta({
    id: 'AuditEventPage',
    description: 'A page of audit events, newest first',
    example: { items: [EXAMPLE_AUDIT_EVENT], nextCursor: null },
  });

/** Page and cursor of the audit lists (the cursor is opaque, base64url). */
export const auditPageFields = () => ({
  limit: pageLimit(),
  cursor: z
    .string()
    .min(1)
    .max(128, 'is not a valid cursor')
    .regex(/^[A-Za-z0-9_-]+$/, 'is not a valid cursor')
    .meta({ description: '`nextCursor` of the previous page; leave out for the first page' })
    .optional(),
});

// Identity providers (OIDC).

/** A provider's configured name: lower-case letters, digits, `_` and `-` (OIDC_PROVIDERS). */
export const providerNameSchema = z
  .string()
  .min(1, 'is required')
  .max(40, 'is not a configured provider')
  .regex(/^[a-z0-9_-]+$/, 'is not a configured provider')
  .meta({ description: 'The identity provider, as configured (OIDC_PROVIDERS)', example: 'google' });

/** The input of user.linkStart and user.unlinkAccount. */
export const providerInput = () => z.object({ provider: providerNameSchema });
export const providerInputSchema = providerInput();

// Passkeys (the WebAuthn JSON shapes are in webauthn-json.ts).

/** A passkey as passkey.list and passkey.register answer it. */
export const passkeySchema = z
  .object({
    id: z.string().meta({ description: 'The passkey, for `passkey.remove`' }),
    name: z.string().meta({ description: 'What the user called it' }),
    createdAt: z.iso.datetime().meta({ description: 'ISO-8601 time it was added' }),
    lastUsedAt: z.iso.datetime().nullable().meta({ description: 'ISO-8601 time of its last sign-in, or null' }),
  })
  .meta({
    id: 'Passkey',
    description: 'A passkey of the signed-in user (never its key)',
    example: { id: EXAMPLE_PASSKEY_ID, name: 'Laptop', createdAt: '2026-12-01T09:00:00.000Z', lastUsedAt: null },
  });
