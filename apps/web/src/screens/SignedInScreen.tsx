import { useMutation, useQuery } from '@tanstack/react-query';
import { useEffect, useRef, useState } from 'react';
import { useApi, useSession, useTRPC } from '../api-context.js';
import { Callout } from '../components/Callout.js';
import { CardScreen } from '../components/Screen.js';
import { describeError } from '../error-messages.js';
import { hrefOf, replaceRoute, routeParam } from '../routes.js';

/** The words of the callback's `error` codes (API.md, "Sign-in with an identity provider"). */
const PROVIDER_ERRORS: Record<string, (provider: string) => string> = {
  provider_refused: (provider) => `${provider} did not sign you in (you may have cancelled). Nothing has changed.`,
  already_linked: (provider) =>
    `That ${provider} account is linked already, to this account or another one. Nothing has changed.`,
};

/**
 * Where the identity provider's sign-in lands: `#/signed-in?code=…` (the
 * one-time code is exchanged at once: it lives 60 seconds, and only the
 * provider's redirect brings it here), `?link=required` (the provider's email
 * is a local account's: sign in to that account first), `?linked=…` or
 * `?error=…`.
 */
export function SignedInScreen() {
  const api = useApi();
  const trpc = useTRPC();
  const session = useSession();
  // Read once: the URL is tidied away below.
  const [params] = useState(() => ({
    code: routeParam('code'),
    link: routeParam('link'),
    linked: routeParam('linked'),
    error: routeParam('error'),
    provider: routeParam('provider'),
  }));
  const providers = useQuery(trpc.auth.providers.queryOptions());
  const labelOf = (name: string | null) =>
    providers.data?.providers.find((provider) => provider.name === name)?.label ?? name ?? 'The provider';
  const exchange = useMutation({
    mutationFn: (code: string) => api.exchangeOidcCode(code),
    onSuccess: () => replaceRoute('profile'),
  });
  // Once, even under StrictMode's double effects: the code works once.
  const isExchangeStarted = useRef(false);
  useEffect(() => {
    if (params.code && !isExchangeStarted.current) {
      isExchangeStarted.current = true;
      exchange.mutate(params.code);
    }
  }, [params.code, exchange]);

  const exchangeError = describeError(exchange.error, { code: 'This sign-in code' });
  const provider = labelOf(params.provider ?? params.linked);
  const title = params.code
    ? exchange.isError
      ? 'This sign-in did not work'
      : 'Signing you in…'
    : params.link === 'required'
      ? 'Sign in to link your account'
      : params.linked
        ? `${provider} is linked`
        : 'This sign-in did not work';
  // Signed in, a link (or a refused one) was started from Security: back there.
  const isLinking = session && (params.linked !== null || params.error !== null);
  const next = session ? hrefOf(isLinking ? 'security' : 'profile') : hrefOf('sign-in');
  const nextLabel = session ? (isLinking ? 'Back to Security' : 'Go to your profile') : 'Back to sign-in';
  return (
    <CardScreen
      titleId="signed-in-title"
      title={title}
      busy={exchange.isPending}
      footer={
        <p>
          <a href={next}>{nextLabel}</a>
        </p>
      }
    >
      {params.code ? (
        exchange.isError ? (
          <Callout tone="error" role="alert">
            {exchangeError.fields.code ?? exchangeError.message} Start again from the sign-in page.
          </Callout>
        ) : (
          <p role="status" className="muted">
            Finishing your sign-in…
          </p>
        )
      ) : params.link === 'required' ? (
        <Callout tone="info" role="status">
          An account here already uses the email address of your {provider} account. To use {provider} with it, sign in
          to that account with its password, then link {provider} under Security. (An email address alone never links
          accounts: it keeps your account safe from anyone else holding that address at {provider}.)
        </Callout>
      ) : params.linked ? (
        <Callout tone="success" role="status">
          You can now sign in with {provider}.
        </Callout>
      ) : (
        <Callout tone="error" role="alert">
          {PROVIDER_ERRORS[params.error ?? '']?.(provider) ??
            'Something went wrong; start again from the sign-in page.'}
        </Callout>
      )}
    </CardScreen>
  );
}
