import { USER_ROLES } from '@repo/db';
import { z } from 'zod';

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
function isPrintable(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const code = s.charCodeAt(i);
    if (code < 0x20 || code === 0x7f) return false;
  }
  return true;
}

// Examples for the OpenAPI document: one user, one session, one moment.
const EXAMPLE_USER = {
  id: '019ac0a3-5f0e-7c3b-9a51-2b1f0c8d4e6a',
  username: 'alice',
  role: 'user',
  createdAt: '2026-11-26T10:00:00.000Z',
} as const;
const EXAMPLE_OTHER_USER = {
  id: '019ac0a4-0b2d-7e41-8c3f-6d5a1e9b7c20',
  username: 'bob',
  role: 'user',
  createdAt: '2026-11-26T10:05:00.000Z',
} as const;
const EXAMPLE_ACCESS_TOKEN =
  'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJ0eXAiOiJhY2Nlc3MiLCJzdWIiOiIwMTlhYzBhMy01ZjBlLTdjM2ItOWE1MS0yYjFmMGM4ZDRlNmEiLCJleHAiOjE3OTU2ODgxMDB9.ZXhhbXBsZS1zaWduYXR1cmUtb2YtMzItYnl0ZXMteHg';
const EXAMPLE_REFRESH_TOKEN =
  'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJ0eXAiOiJyZWZyZXNoIiwic3ViIjoiMDE5YWMwYTMtNWYwZS03YzNiLTlhNTEtMmIxZjBjOGQ0ZTZhIiwiZXhwIjoxNzk4Mjc5MjAwfQ.ZXhhbXBsZS1zaWduYXR1cmUtb2YtMzItYnl0ZXMteXk';

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
function passwordMeta(description: string, example: string) {
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

/*
 * Input schemas are made by functions, so that each router built by
 * createAppRouter has instances of its own (root.ts says why); the constants
 * are one instance of each, for code that only parses with them.
 */
export const credentialsInput = () =>
  z.object({ username: usernameSchema, password: passwordSchema }).meta({
    id: 'Credentials',
    example: { username: 'alice', password: 'correct horse battery' },
  });
export const credentialsSchema = credentialsInput();
export type Credentials = z.infer<typeof credentialsSchema>;

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

export const registerInput = () =>
  z
    .object({
      username: usernameSchema,
      password: passwordSchema,
      email: emailSchema.optional().meta({ description: 'Optional: an address for account recovery' }),
    })
    .meta({
      id: 'Registration',
      example: { username: 'alice', password: 'correct horse battery', email: 'alice@example.com' },
    });
export const registerInputSchema = registerInput();
export type RegisterInput = z.infer<typeof registerInputSchema>;

export const publicUserSchema = z
  .object({
    id: z.string().meta({ description: 'Opaque user id (UUID v7)' }),
    username: z.string().meta({ description: 'As registered (letter case kept)' }),
    role: z.enum(USER_ROLES),
    createdAt: z.iso.datetime().meta({ description: 'ISO-8601 creation time' }),
  })
  .meta({ id: 'PublicUser', description: 'A user as anyone signed in may see it', example: EXAMPLE_USER });
export type PublicUser = z.infer<typeof publicUserSchema>;

export const currentUserSchema = publicUserSchema
  .extend({
    email: z.email().nullable().meta({ description: 'Your verified address, or null; nobody else sees it' }),
    emailVerified: z
      .boolean()
      .meta({ description: '`email !== null`: an address is yours once its link was followed' }),
    pendingEmail: z.email().nullable().meta({
      description: 'An address waiting for its link (24 hours), or null; it blocks nobody until then',
    }),
  })
  .meta({
    id: 'CurrentUser',
    description: 'The signed-in user, with the fields only that user sees',
    example: { ...EXAMPLE_USER, email: 'alice@example.com', emailVerified: true, pendingEmail: null },
  });
export type CurrentUser = z.infer<typeof currentUserSchema>;

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

export const refreshInput = () =>
  z.object({
    refreshToken: z.string().min(1, 'is required').max(MAX_REFRESH_TOKEN_LENGTH, 'is too long').optional().meta({
      description:
        'The refresh token of the latest pair (single use). Required, except in cookie mode (`X-Session-Mode: cookie`), where leaving it out reads the refresh token cookie',
      example: EXAMPLE_REFRESH_TOKEN,
    }),
  });
export const refreshInputSchema = refreshInput();

/** The page size of every list: 1 to 100, 20 by default. */
const pageLimit = () =>
  z
    .number()
    .int()
    .min(1, 'must be 1 to 100')
    .max(100, 'must be 1 to 100')
    .default(20)
    .meta({ description: 'Page size, 1 to 100', example: 20 });

export const listUsersInput = () =>
  z.object({
    limit: pageLimit(),
    cursor: z
      .string()
      .min(1)
      .max(64, 'is not a valid cursor')
      .refine(isPrintable, 'is not a valid cursor')
      // No example: Swagger UI would fill it in on "Try it out" and skip real users.
      .meta({ description: '`nextCursor` of the previous page; leave out for the first page' })
      .optional(),
  });
export const listUsersInputSchema = listUsersInput();

export const userPageSchema = z
  .object({
    items: z.array(publicUserSchema),
    nextCursor: z.string().nullable().meta({ description: 'Pass as `cursor` for the next page; null on the last one' }),
  })
  .meta({
    id: 'UserPage',
    description: 'A page of users, oldest first',
    example: { items: [EXAMPLE_USER, EXAMPLE_OTHER_USER], nextCursor: EXAMPLE_OTHER_USER.id },
  });

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

export const changePasswordInput = () =>
  z.object({
    currentPassword: z
      .string()
      .min(1, 'is required')
      .max(PASSWORD_MAX_BYTES, 'is incorrect')
      .meta({ description: 'The password in use now', example: 'correct horse battery' }),
    newPassword: passwordSchema.meta(passwordMeta('8 to 72 bytes of UTF-8', 'a brand new passphrase')),
  });
export const changePasswordInputSchema = changePasswordInput();

/** An emailed token: 32 random bytes, base64url. */
const emailedTokenSchema = z
  .string()
  .min(1, 'is required')
  .max(128, 'is invalid, expired or already used')
  .regex(/^[A-Za-z0-9_-]+$/, 'is invalid, expired or already used')
  .meta({
    description: 'The token of the emailed link (single use)',
    example: 'q3Zt0c8m1XvS2l9yJbQwE4rT6uH7iK0oP5aD3fG8hJk',
  });

export const setEmailInput = () =>
  z.object({ email: emailSchema, currentPassword: changePasswordInput().shape.currentPassword });
export const setEmailInputSchema = setEmailInput();
export const requestPasswordResetInput = () =>
  z.object({
    email: emailSchema.meta({ description: 'The verified address of the account', example: 'alice@example.com' }),
  });
export const requestPasswordResetInputSchema = requestPasswordResetInput();
export const resetPasswordInput = () =>
  z.object({
    token: emailedTokenSchema,
    newPassword: passwordSchema.meta(passwordMeta('8 to 72 bytes of UTF-8', 'a brand new passphrase')),
  });
export const resetPasswordInputSchema = resetPasswordInput();
export const verifyEmailInput = () => z.object({ token: emailedTokenSchema });
export const verifyEmailInputSchema = verifyEmailInput();

export const successOutputSchema = z
  .object({ success: z.literal(true) })
  .meta({ id: 'Success', description: 'Done', example: { success: true } });

export const logoutOutputSchema = z
  .object({ success: z.literal(true) })
  .meta({ id: 'LogoutResult', description: 'The session has ended', example: { success: true } });
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

export const adminSetRoleInput = () =>
  userIdInput().extend({
    role: z.enum(USER_ROLES).meta({ description: 'The new role', example: 'admin' }),
  });
export const adminSetRoleInputSchema = adminSetRoleInput();
export type AdminSetRoleInput = z.infer<typeof adminSetRoleInputSchema>;
export type AdminSetRoleOutput = PublicUser;

export const adminDisableUserInput = userIdInput;
export const adminDisableUserInputSchema = adminDisableUserInput();
export type AdminDisableUserInput = z.infer<typeof adminDisableUserInputSchema>;

export const adminDisableUserOutputSchema = z
  .object({
    id: z.string().meta({ description: 'The user disabled' }),
    disabledAt: z.iso
      .datetime()
      .meta({ description: 'ISO-8601 time it was disabled (the first time, if disabled twice)' }),
    revokedSessions: z.number().int().meta({ description: 'How many of its sessions this call ended' }),
  })
  .meta({
    id: 'DisabledUser',
    description: 'A user who can no longer sign in, and whose sessions have ended',
    example: { id: EXAMPLE_OTHER_USER.id, disabledAt: '2026-11-27T09:30:00.000Z', revokedSessions: 2 },
  });
export type AdminDisableUserOutput = z.infer<typeof adminDisableUserOutputSchema>;

// Second factor (API.md "Second factor, passkeys and sessions").

const EXAMPLE_TOTP_SECRET = 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP';
const EXAMPLE_RECOVERY_CODE = '3f9a0c1d-77be4a02-c6e1f58b-09d2a7e4';
const EXAMPLE_MFA_TOKEN = 'Yc2Rk9pQ1xVb7tLm0sZr4uWn8eHj3aFg6dKi5oPq2wE';

/** What `currentPassword` is wherever a change needs the password. */
const currentPasswordInput = () => changePasswordInput().shape.currentPassword;

/** A 6-digit code of the authenticator app. */
export const totpCodeSchema = z
  .string()
  // Bounded before anything else reads it (the bounds test holds every input to one).
  .max(16, 'must be the 6 digits your authenticator app shows')
  .trim()
  .regex(/^\d{6}$/, 'must be the 6 digits your authenticator app shows')
  .meta({ description: 'The 6-digit code the authenticator app shows now', example: '492039' });

/** A recovery code as shown (letter case, spaces and dashes do not matter). */
export const recoveryCodeSchema = z
  .string()
  .min(1, 'is required')
  .max(64, 'is invalid or already used')
  .meta({ description: 'One of your recovery codes (each works once)', example: EXAMPLE_RECOVERY_CODE });

/** `code` of the changes that need the second factor: a TOTP code, or a recovery code when the device is lost. */
const factorCodeSchema = z.string().min(1, 'is required').max(64, 'is incorrect').meta({
  description: 'The 6-digit code of the authenticator app, or one of your recovery codes (which is then used up)',
  example: '492039',
});

export const totpSetupInput = () => z.object({ currentPassword: currentPasswordInput() });
export const totpSetupOutputSchema = z
  .object({
    secret: z.string().meta({ description: 'The new secret, base32 (to type into an authenticator app)' }),
    otpauthUrl: z.string().meta({ description: 'The `otpauth://totp/…` URL of the secret, for a QR code' }),
  })
  .meta({
    id: 'TotpSetup',
    description: 'A pending TOTP secret: on once `POST /users/me/mfa/totp/confirm` gets a valid code',
    example: {
      secret: EXAMPLE_TOTP_SECRET,
      otpauthUrl: `otpauth://totp/Auth%20API:alice?issuer=Auth%20API&secret=${EXAMPLE_TOTP_SECRET}&algorithm=SHA1&digits=6&period=30`,
    },
  });
export const totpConfirmInput = () => z.object({ code: totpCodeSchema });
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
export const mfaChangeInput = () => z.object({ currentPassword: currentPasswordInput(), code: factorCodeSchema });
export const mfaStatusSchema = z
  .object({
    totp: z.boolean().meta({ description: 'Whether sign-in asks for a code of an authenticator app' }),
    recoveryCodesLeft: z.int().meta({ description: 'Recovery codes not used yet' }),
  })
  .meta({ id: 'MfaStatus', description: 'Your second factor', example: { totp: true, recoveryCodesLeft: 10 } });

export const MFA_METHODS = ['totp', 'recovery'] as const;
export type MfaMethod = (typeof MFA_METHODS)[number];

export const mfaChallengeSchema = z
  .object({
    mfaRequired: z.literal(true),
    mfaToken: z
      .string()
      .meta({ description: 'Send to `POST /auth/mfa` with a code; works once, for 5 minutes and 5 wrong codes' }),
    methods: z.array(z.enum(MFA_METHODS)).meta({ description: 'The second factors this account can answer with' }),
  })
  .meta({
    id: 'MfaChallenge',
    description: 'The password was right; the sign-in waits for the second factor (no tokens yet)',
    example: { mfaRequired: true, mfaToken: EXAMPLE_MFA_TOKEN, methods: ['totp', 'recovery'] },
  });
export type MfaChallengeAnswer = z.infer<typeof mfaChallengeSchema>;

/** What login answers: a session, or (an account with a second factor) the step that asks for it. */
export const loginOutputSchema = z.xor([tokenPairSchema, mfaChallengeSchema]).meta({
  id: 'LoginResult',
  description: 'Either the token pair of a new session, or `{ mfaRequired: true, … }` when a second factor is needed',
  example: tokenPairSchema.meta()?.example,
});

const mfaTokenSchema = z
  .string()
  .min(1, 'is required')
  .max(128, 'is invalid or expired')
  .meta({ description: '`mfaToken` of the login answer', example: EXAMPLE_MFA_TOKEN });

export const verifyMfaInput = () =>
  z
    .object({
      mfaToken: mfaTokenSchema,
      code: totpCodeSchema.optional(),
      recoveryCode: recoveryCodeSchema.optional(),
    })
    .refine((input) => (input.code === undefined) !== (input.recoveryCode === undefined), {
      message: 'send exactly one of code and recoveryCode',
      path: ['code'],
    })
    .meta({
      id: 'MfaAnswer',
      description: '`mfaToken` with either `code` (authenticator app) or `recoveryCode`',
      example: { mfaToken: EXAMPLE_MFA_TOKEN, code: '492039' },
    });
export type VerifyMfaInput = z.infer<ReturnType<typeof verifyMfaInput>>;

// Sessions.

export const sessionSchema = z
  .object({
    id: z.string().meta({ description: 'Session id (pass to `POST /users/me/sessions/{id}/revoke`)' }),
    createdAt: z.iso.datetime().meta({ description: 'When it signed in' }),
    lastUsedAt: z.iso.datetime().meta({ description: 'Its latest sign-in or refresh' }),
    userAgent: z.string().nullable().meta({ description: 'The browser or program it signed in with, if it said' }),
    current: z.boolean().meta({ description: 'Whether this is the session of the access token asking' }),
  })
  .meta({
    id: 'Session',
    description: 'One of your signed-in devices',
    example: {
      id: '019ac0a5-1c2d-7e3f-8a4b-5c6d7e8f9a0b',
      createdAt: '2026-11-26T10:00:00.000Z',
      lastUsedAt: '2026-11-26T10:14:00.000Z',
      userAgent: 'Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0',
      current: true,
    },
  });
export type SessionInfo = z.infer<typeof sessionSchema>;

export const sessionListSchema = z.array(sessionSchema).meta({
  id: 'SessionList',
  description: 'Your live sessions, the most recently used first',
  example: [sessionSchema.meta()?.example],
});

export const sessionIdInput = () =>
  z.object({
    id: z
      .string()
      .min(1)
      .max(64, 'is not a valid session id')
      .refine(isPrintable, 'is not a valid session id')
      .meta({ description: 'Session id', example: '019ac0a5-1c2d-7e3f-8a4b-5c6d7e8f9a0b' }),
  });

// Audit log (API.md "Audit log, metrics and traces").

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
const auditPageFields = () => ({
  limit: pageLimit(),
  cursor: z
    .string()
    .min(1)
    .max(128, 'is not a valid cursor')
    .regex(/^[A-Za-z0-9_-]+$/, 'is not a valid cursor')
    .meta({ description: '`nextCursor` of the previous page; leave out for the first page' })
    .optional(),
});

export const securityActivityInput = () => z.object(auditPageFields());
export const securityActivityInputSchema = securityActivityInput();

export const auditEventsInput = () =>
  z.object({
    userId: z
      .string()
      .min(1)
      .max(64, 'is not a valid user id')
      .refine(isPrintable, 'is not a valid user id')
      .meta({ description: 'Only the events about this user' })
      .optional(),
    type: z
      .string()
      .min(1)
      .max(64, 'is not a valid event type')
      .regex(/^[a-z0-9_.]+$/, 'is not a valid event type')
      .meta({ description: 'Only events of this type, e.g. `login.failed`', example: 'login.failed' })
      .optional(),
    from: z.iso
      .datetime()
      .max(40, 'must be an ISO 8601 time')
      .meta({ description: 'Only events at or after this time (ISO 8601)' })
      .optional(),
    to: z.iso
      .datetime()
      .max(40, 'must be an ISO 8601 time')
      .meta({ description: 'Only events before this time (ISO 8601)' })
      .optional(),
    ...auditPageFields(),
  });
export const auditEventsInputSchema = auditEventsInput();
/** A provider's configured name: lower-case letters, digits, `_` and `-` (OIDC_PROVIDERS). */
export const providerNameSchema = z
  .string()
  .min(1, 'is required')
  .max(40, 'is not a configured provider')
  .regex(/^[a-z0-9_-]+$/, 'is not a configured provider')
  .meta({ description: 'The identity provider, as configured (OIDC_PROVIDERS)', example: 'google' });

export const oidcProviderSchema = z
  .object({
    name: providerNameSchema,
    label: z.string().meta({ description: 'What a sign-in button says after "Continue with"', example: 'Google' }),
  })
  .meta({ id: 'OidcProvider', description: 'An identity provider users can sign in with' });
export type OidcProvider = z.infer<typeof oidcProviderSchema>;

export const oidcProvidersOutputSchema = z.object({ providers: z.array(oidcProviderSchema) }).meta({
  id: 'OidcProviders',
  description: 'The configured identity providers',
  example: { providers: [{ name: 'google', label: 'Google' }] },
});

export const oidcExchangeInput = () =>
  z.object({
    code: z
      .string()
      .min(1, 'is required')
      .max(128, 'is invalid, expired or used')
      .regex(/^[A-Za-z0-9_-]+$/, 'is invalid, expired or used')
      .meta({
        description: 'The one-time code of `#/signed-in?code=…` (60 seconds, single use)',
        example: 'Jx4cV0aQ9pL2mN7bR5tY8uI1oP3sD6fG0hK2jL4zX6c',
      }),
  });
export const oidcExchangeInputSchema = oidcExchangeInput();

export const providerInput = () => z.object({ provider: providerNameSchema });
export const providerInputSchema = providerInput();

export const linkedAccountSchema = z
  .object({
    provider: providerNameSchema,
    label: z.string().meta({ description: 'The provider as the app names it', example: 'Google' }),
    email: z
      .string()
      .nullable()
      .meta({ description: 'The address the provider gave when linked (shown, never used to sign in)' }),
    createdAt: z.iso.datetime().meta({ description: 'When it was linked' }),
  })
  .meta({ id: 'LinkedAccount', description: 'An account at an identity provider, linked to this user' });
export type LinkedAccount = z.infer<typeof linkedAccountSchema>;

export const linkedAccountsOutputSchema = z.object({ items: z.array(linkedAccountSchema) }).meta({
  id: 'LinkedAccounts',
  description: "The user's linked accounts",
  example: {
    items: [{ provider: 'google', label: 'Google', email: 'alice@example.com', createdAt: '2026-12-06T04:00:00.000Z' }],
  },
});

export const linkStartOutputSchema = z
  .object({
    url: z.url().meta({
      description:
        'Open it in this browser (the one signed in, in cookie mode): it leads to the provider, and back. Works once, for 5 minutes.',
    }),
  })
  .meta({
    id: 'LinkStart',
    description: 'Where to send the browser to link the provider',
    example: { url: 'https://api.example.com/api/auth/oidc/google/start?link=Vb2xQ9rTz4mWk1aF' },
  });
