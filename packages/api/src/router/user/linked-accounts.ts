import { z } from 'zod';
import { linkedAccountsOutputSchema } from '../../schemas.js';
import { protectedProcedure } from '../../trpc.js';

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
