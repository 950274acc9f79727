import type { Credentials } from '@repo/api';
import { useMutation } from '@tanstack/react-query';
import { type FormEvent, useRef } from 'react';
import { useApi, useNotices } from '../api-context.js';
import { Button } from '../components/Button.js';
import { FormMessage } from '../components/Callout.js';
import { Field } from '../components/Field.js';
import { ProviderButtons } from '../components/ProviderButtons.js';
import { CardScreen } from '../components/Screen.js';
import { describeError } from '../error-messages.js';
import { textOf, useFocusOnError } from '../forms.js';
import { hrefOf } from '../routes.js';

const LABELS = { username: 'Username', password: 'Password' };

export function SignInScreen() {
  const api = useApi();
  const notices = useNotices();
  const formRef = useRef<HTMLFormElement>(null);
  // api.login keeps the token pair in the client's store: the app never sees a token.
  const signIn = useMutation({ mutationFn: (credentials: Credentials) => api.login(credentials) });
  const errors = describeError(signIn.error, LABELS);
  useFocusOnError(formRef, signIn.error);

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    notices.clear();
    const form = event.currentTarget;
    signIn.mutate({ username: textOf(form, 'username'), password: textOf(form, 'password') });
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
    </CardScreen>
  );
}
