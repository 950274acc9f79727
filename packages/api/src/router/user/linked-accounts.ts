import { z } from 'zod';
import { providerNameSchema } from '../../fields.js';
import { protectedProcedure } from '../../trpc.js';

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

export const linkedAccountsOutputSchema = z.object({ items: z.array(linkedAccountSchema) }).meta({
  id: 'LinkedAccounts',
  description: "The user's linked accounts",
  example: {
    items: [{ provider: 'google', label: 'Google', email: 'alice@example.com', createdAt: '2026-12-06T04:00:00.000Z' }],
  },
});

export const linkedAccounts = () =>
  protectedProcedure
    .meta({
      openapi: {
        method: 'GET',
        path: '/users/me/linked-accounts',
        tags: ['users'],
        summary: "The signed-in user's accounts at identity providers",
        successDescription: 'The linked accounts, oldest first',
      },
    })
    .input(z.void())
    .output(linkedAccountsOutputSchema)
    .query(async ({ ctx }) => ({ items: await ctx.services.oidc.linkedAccounts(ctx.em, ctx.auth) }));
