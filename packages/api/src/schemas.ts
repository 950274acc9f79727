import { USER_ROLES } from '@repo/db';
import { z } from 'zod';

const PASSWORD_MIN_BYTES = 8;
// bcrypt reads no more than 72 bytes: longer is refused, never silently cut.
const PASSWORD_MAX_BYTES = 72;
const utf8Bytes = (s: string) => Buffer.byteLength(s, 'utf8');

export const usernameSchema = z
  .string()
  .min(3, 'must be 3 to 40 characters')
  .max(40, 'must be 3 to 40 characters')
  .regex(/^[A-Za-z0-9_.-]+$/, 'may contain only letters, digits, "_", "." and "-"')
  .meta({ description: '3–40 characters of A–Z a–z 0–9 _ . -, unique without regard to case', example: 'alice' });

export const passwordSchema = z
  .string()
  // More characters than bytes allowed is refused before counting bytes.
  .max(PASSWORD_MAX_BYTES, `must be ${PASSWORD_MIN_BYTES} to ${PASSWORD_MAX_BYTES} bytes of UTF-8`)
  .refine((s) => utf8Bytes(s) >= PASSWORD_MIN_BYTES && utf8Bytes(s) <= PASSWORD_MAX_BYTES, {
    message: `must be ${PASSWORD_MIN_BYTES} to ${PASSWORD_MAX_BYTES} bytes of UTF-8`,
  })
  // bcrypt stops at a NUL byte, which would make "password\0x" equal "password".
  .refine((s) => !s.includes('\u0000'), { message: 'must not contain NUL characters' })
  .meta({ description: '8 to 72 bytes of UTF-8', example: 'correct horse battery' });

export const credentialsSchema = z.object({ username: usernameSchema, password: passwordSchema }).meta({
  id: 'Credentials',
  example: { username: 'alice', password: 'correct horse battery' },
});
export type Credentials = z.infer<typeof credentialsSchema>;

export const publicUserSchema = z
  .object({
    id: z.string().meta({ description: 'Opaque user id (UUID v7)' }),
    username: z.string(),
    role: z.enum(USER_ROLES),
    createdAt: z.iso.datetime().meta({ description: 'ISO-8601 creation time' }),
  })
  .meta({
    id: 'PublicUser',
    example: {
      id: '019ac0a3-5f0e-7c3b-9a51-2b1f0c8d4e6a',
      username: 'alice',
      role: 'user',
      createdAt: '2026-11-26T10:00:00.000Z',
    },
  });
export type PublicUser = z.infer<typeof publicUserSchema>;

export const tokenPairSchema = z
  .object({
    accessToken: z.string(),
    refreshToken: z.string(),
    tokenType: z.literal('Bearer'),
    expiresAt: z.number().int().meta({ description: 'Access token expiry, ms since the epoch' }),
    refreshExpiresAt: z.number().int().meta({ description: 'Refresh token expiry, ms since the epoch' }),
    user: publicUserSchema,
  })
  .meta({ id: 'TokenPair' });
export type TokenPair = z.infer<typeof tokenPairSchema>;

export const refreshInputSchema = z.object({
  refreshToken: z.string().min(1, 'is required').max(4096, 'is too long'),
});

export const listUsersInputSchema = z.object({
  limit: z.number().int().min(1, 'must be 1 to 100').max(100, 'must be 1 to 100').default(20),
  cursor: z.string().min(1).max(64, 'is not a valid cursor').optional(),
});

export const userPageSchema = z
  .object({ items: z.array(publicUserSchema), nextCursor: z.string().nullable() })
  .meta({ id: 'UserPage' });

export const userIdInputSchema = z.object({ id: z.string().min(1).max(64, 'is not a valid user id') });

export const changePasswordInputSchema = z.object({
  currentPassword: z.string().min(1, 'is required').max(PASSWORD_MAX_BYTES, 'is incorrect'),
  newPassword: passwordSchema,
});

export const logoutOutputSchema = z.object({ success: z.literal(true) }).meta({ id: 'LogoutResult' });
export const revokedSessionsOutputSchema = z
  .object({ revokedSessions: z.number().int().meta({ description: 'How many sessions were ended' }) })
  .meta({ id: 'RevokedSessions' });
