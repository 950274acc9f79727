import type { Credentials } from '@repo/api';
import type { MfaAnswer } from '@repo/client';
import { startAuthentication } from '@simplewebauthn/browser';
import { useMutation } from '@tanstack/react-query';
import { type FormEvent, useRef, useState } from 'react';
import { useApi, useNotices } from '../api-context.js';
import { Button } from '../components/Button.js';
import { FormMessage } from '../components/Callout.js';
import { Field } from '../components/Field.js';
import { ProviderButtons } from '../components/ProviderButtons.js';
import { CardScreen } from '../components/Screen.js';
import { describeError } from '../error-messages.js';
import { textOf, useFocusOnError } from '../forms.js';
import { passkeyErrorMessage } from '../passkeys.js';
import { hrefOf } from '../routes.js';

const LABELS = { username: 'Username', password: 'Password' };

/** The password step, then, for an account with a second factor, the code step. */
export function SignInScreen() {
  const api = useApi();
  const notices = useNotices();
  const formRef = useRef<HTMLFormElement>(null);
  // api.login keeps the token pair in the client's store: the app never sees a token.
  const signIn = useMutation({ mutationFn: (credentials: Credentials) => api.login(credentials) });
  // A discoverable passkey names its user: no username to type.
  const passkeySignIn = useMutation({
    mutationFn: async () => {
      const { challengeId, options } = await api.trpc.auth.passkeyOptions.mutate();
      const response = await startAuthentication({ optionsJSON: options });
      return api.loginWithPasskey({ challengeId, response });
    },
  });
  const errors = describeError(signIn.error, LABELS);
  const passkeyMessage = passkeyErrorMessage(passkeySignIn.error) ?? describeError(passkeySignIn.error, {}).message;
  useFocusOnError(formRef, signIn.error);

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    notices.clear();
    const form = event.currentTarget;
    signIn.mutate({ username: textOf(form, 'username'), password: textOf(form, 'password') });
  }

  if (signIn.data?.mfaRequired) {
    return <CodeStep mfaToken={signIn.data.mfaToken} onStartOver={() => signIn.reset()} />;
  }
  return (
    <CardScreen
      titleId="sign-in-title"
      title="Sign in"
      description="Welcome back. Sign in to your account."
      footer={
        <p>
          No account yet? <a href={hrefOf('register')}>Create one</a>
        </p>
      }
    >
      <form ref={formRef} onSubmit={submit} className="stack">
        <FormMessage message={errors.message} />
        <Field
          id="sign-in-username"
          name="username"
          label={LABELS.username}
          autoComplete="username"
          error={errors.fields.username}
        />
        <Field
          id="sign-in-password"
          name="password"
          label={LABELS.password}
          type="password"
          autoComplete="current-password"
          error={errors.fields.password}
        />
        <p className="form-aside">
          <a href={hrefOf('forgot-password')}>Forgot password?</a>
        </p>
        <Button type="submit" variant="primary" block busy={signIn.isPending} busyLabel="Signing in…">
          Sign in
        </Button>
      </form>
      <ProviderButtons />
      <div className="stack passkey-sign-in">
        <FormMessage message={passkeyMessage} />
        <Button
          block
          onClick={() => {
            notices.clear();
            passkeySignIn.mutate();
          }}
          busy={passkeySignIn.isPending}
          busyLabel="Waiting for your passkey…"
        >
          Sign in with a passkey
        </Button>
      </div>
    </CardScreen>
  );
}

const CODE_LABELS = { code: 'Code', recoveryCode: 'Recovery code' };

/** The second step: a code of the authenticator app, or a recovery code. */
function CodeStep({ mfaToken, onStartOver }: { mfaToken: string; onStartOver: () => void }) {
  const api = useApi();
  const notices = useNotices();
  const formRef = useRef<HTMLFormElement>(null);
  const [usesRecoveryCode, setUsesRecoveryCode] = useState(false);
  const verify = useMutation({ mutationFn: (answer: MfaAnswer) => api.verifyMfa(answer) });
  const errors = describeError(verify.error, CODE_LABELS);
  useFocusOnError(formRef, verify.error);

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    notices.clear();
    const form = event.currentTarget;
    verify.mutate(
      usesRecoveryCode
        ? { mfaToken, recoveryCode: textOf(form, 'recoveryCode') }
        : { mfaToken, code: textOf(form, 'code') },
    );
  }

  return (
    <CardScreen
      titleId="sign-in-code-title"
      title="Enter your code"
      description={
        usesRecoveryCode
          ? 'Enter one of your recovery codes. Each works once.'
          : 'Open your authenticator app and enter the 6-digit code it shows.'
      }
      footer={
        <p>
          <Button variant="quiet" size="sm" onClick={onStartOver}>
            Start over
          </Button>
        </p>
      }
    >
      <form ref={formRef} onSubmit={submit} className="stack">
        <FormMessage message={errors.message} />
        {usesRecoveryCode ? (
          <Field
            key="recovery"
            id="sign-in-recovery-code"
            name="recoveryCode"
            label={CODE_LABELS.recoveryCode}
            autoComplete="off"
            error={errors.fields.recoveryCode}
          />
        ) : (
          <Field
            key="code"
            id="sign-in-code"
            name="code"
            label={CODE_LABELS.code}
            autoComplete="one-time-code"
            inputMode="numeric"
            error={errors.fields.code}
          />
        )}
        <p className="form-aside">
          <Button variant="quiet" size="sm" onClick={() => setUsesRecoveryCode(!usesRecoveryCode)}>
            {usesRecoveryCode ? 'Use the authenticator app instead' : 'Use a recovery code instead'}
          </Button>
        </p>
        <Button type="submit" variant="primary" block busy={verify.isPending} busyLabel="Checking…">
          Verify and sign in
        </Button>
      </form>
    </CardScreen>
  );
}
