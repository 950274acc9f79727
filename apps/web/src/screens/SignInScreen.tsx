import type { Credentials } from '@repo/api';
import { useMutation } from '@tanstack/react-query';
import { type FormEvent, useRef } from 'react';
import { useApi, useNotices } from '../api-context.js';
import { describeError } from '../error-messages.js';
import { Field, FormMessage, textOf, useFocusOnError } from '../forms.js';
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
    <section aria-labelledby="sign-in-title">
      <h1 id="sign-in-title" tabIndex={-1}>
        Sign in
      </h1>
      <form ref={formRef} onSubmit={submit}>
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
        <button type="submit" disabled={signIn.isPending}>
          {signIn.isPending ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
      <p>
        <a href={hrefOf('forgot-password')}>Forgot password?</a>
      </p>
      <p>
        No account yet? <a href={hrefOf('register')}>Create one</a>
      </p>
    </section>
  );
}
