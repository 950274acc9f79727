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

export const listUsersInput = () =>
  z.object({
    limit: z
      .number()
      .int()
      .min(1, 'must be 1 to 100')
      .max(100, 'must be 1 to 100')
      .default(20)
      .meta({ description: 'Page size, 1 to 100', example: 20 }),
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
    example: { url: 'https://api.example.com/api/auth/oidc/google/start?link=Vb2xQ…' },
  });
