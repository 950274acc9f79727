import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, type JWK } from 'jose';
import Provider, { type Configuration } from 'oidc-provider';

/**
 * A local OpenID Connect provider (`oidc-provider`) for development and
 * tests: `pnpm dev` with OIDC_DEV=1 starts one so the "Continue with Dev IdP"
 * button works with no internet, and the tests sign in through it over real
 * HTTP. Its login page is oidc-provider's development interaction: any login
 * name signs in (the password is not checked), and consent is implied for
 * its one client. Never for production: config.ts refuses OIDC_DEV there.
 */

/** What the provider says of a person, by login name. */
export interface DevAccount {
  email?: string;
  emailVerified?: boolean;
  name?: string;
  preferredUsername?: string;
}

export interface DevOidcProviderOptions {
  /** 0 (default): any free port. */
  port?: number;
  host?: string;
  /** The relying party's redirect URIs (`<public origin>/api/auth/oidc/<name>/callback`). */
  redirectUris: string[];
  clientId?: string;
  /** Generated when not given. */
  clientSecret?: string;
  /**
   * Known people by login name; any other login signs in as a person of that
   * name with the verified address `<login>@dev-idp.test`.
   */
  accounts?: Record<string, DevAccount>;
}

export interface DevOidcProvider {
  issuer: string;
  clientId: string;
  clientSecret: string;
  /** The private signing key (tests sign ID tokens with it to check what the server refuses). */
  signingKey: JWK & { kid: string; alg: string };
  close(): Promise<void>;
}

/** The login form's field names (oidc-provider's development interaction), for tests and the e2e. */
export const DEV_LOGIN_FIELD = 'login';

export async function startDevOidcProvider(options: DevOidcProviderOptions): Promise<DevOidcProvider> {
  const host = options.host ?? '127.0.0.1';
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const issuer = `http://${host === '127.0.0.1' || host === 'localhost' ? host : `[${host}]`}:${port}`;
  const clientId = options.clientId ?? 'dev-client';
  const clientSecret = options.clientSecret ?? randomBytes(24).toString('base64url');
  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  const signingKey = {
    ...(await exportJWK(privateKey)),
    kid: randomBytes(8).toString('hex'),
    alg: 'RS256',
    use: 'sig',
  };

  const configuration: Configuration = {
    clients: [
      {
        client_id: clientId,
        client_secret: clientSecret,
        redirect_uris: options.redirectUris,
        grant_types: ['authorization_code'],
        response_types: ['code'],
      },
    ],
    jwks: { keys: [signingKey] },
    cookies: { keys: [randomBytes(32).toString('base64url')] },
    pkce: { required: () => true },
    claims: {
      openid: ['sub'],
      email: ['email', 'email_verified'],
      profile: ['name', 'preferred_username'],
    },
    // The claims of the granted scopes in the ID token itself: the server reads nothing else.
    conformIdTokenClaims: false,
    features: { devInteractions: { enabled: true } },
    async findAccount(_ctx, id) {
      const known = options.accounts?.[id];
      return {
        accountId: id,
        async claims() {
          return {
            sub: id,
            email: known?.email ?? `${id}@dev-idp.test`,
            email_verified: known?.emailVerified ?? true,
            name: known?.name ?? id,
            preferred_username: known?.preferredUsername ?? id,
          };
        },
      };
    },
    // Its one client is first-party: consent is implied, so the only page is the login.
    async loadExistingGrant(ctx) {
      const { provider, session, client } = ctx.oidc;
      if (!session?.accountId || !client) return undefined;
      const grantId = session.grantIdFor(client.clientId);
      const existing = grantId ? await provider.Grant.find(grantId) : undefined;
      if (existing) return existing;
      const grant = new provider.Grant({ clientId: client.clientId, accountId: session.accountId });
      grant.addOIDCScope('openid email profile');
      await grant.save();
      return grant;
    },
  };
  const provider = new Provider(issuer, configuration);
  // The development login page imports a web font: dropped, so it works with no internet (and loads nothing foreign).
  provider.use(async (ctx, next) => {
    await next();
    if (typeof ctx.body === 'string' && ctx.response.is('html')) {
      ctx.body = ctx.body.replace(/@import url\(https:\/\/fonts\.googleapis\.com[^)]*\);/g, '');
    }
  });
  server.on('request', provider.callback());
  return {
    issuer,
    clientId,
    clientSecret,
    signingKey,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
