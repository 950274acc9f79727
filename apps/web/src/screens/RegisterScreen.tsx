import type { Credentials } from '@repo/api';
import { useMutation } from '@tanstack/react-query';
import { type FormEvent, useRef } from 'react';
import { useApi, useNotices } from '../api-context.js';
import { Button } from '../components/Button.js';
import { FormMessage } from '../components/Callout.js';
import { Field } from '../components/Field.js';
import { CardScreen } from '../components/Screen.js';
import { describeError } from '../error-messages.js';
import { textOf, useFocusOnError } from '../forms.js';
import { hrefOf } from '../routes.js';

const LABELS = { username: 'Username', password: 'Password' };

export function RegisterScreen() {
  const api = useApi();
  const notices = useNotices();
  const formRef = useRef<HTMLFormElement>(null);
  // Registering signs in too: the client keeps the new session.
  const register = useMutation({ mutationFn: (credentials: Credentials) => api.register(credentials) });
  const errors = describeError(register.error, LABELS);
  useFocusOnError(formRef, register.error);

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    notices.clear();
    const form = event.currentTarget;
    register.mutate({ username: textOf(form, 'username'), password: textOf(form, 'password') });
  }

  return (
    <CardScreen
      titleId="register-title"
      title="Create an account"
      description="It takes a username and a password; an email address can come later."
      footer={
        <p>
          Have an account? <a href={hrefOf('sign-in')}>Sign in</a>
        </p>
      }
    >
      <form ref={formRef} onSubmit={submit} className="stack">
        <FormMessage message={errors.message} />
        <Field
          id="register-username"
          name="username"
          label={LABELS.username}
          autoComplete="username"
          hint="3 to 40 characters: letters, digits, “_”, “.” and “-”."
          error={errors.fields.username}
        />
        <Field
          id="register-password"
          name="password"
          label={LABELS.password}
          type="password"
          autoComplete="new-password"
          hint="8 to 72 bytes; a few words make a good one."
          error={errors.fields.password}
        />
        <Button type="submit" variant="primary" block busy={register.isPending} busyLabel="Creating the account…">
          Create account
        </Button>
      </form>
    </CardScreen>
  );
}
