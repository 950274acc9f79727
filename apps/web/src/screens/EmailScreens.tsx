import { useMutation } from '@tanstack/react-query';
import { type FormEvent, useRef, useState } from 'react';
import { useNotices, useSession, useTRPC } from '../api-context.js';
import { Button } from '../components/Button.js';
import { Callout, FormMessage } from '../components/Callout.js';
import { Field } from '../components/Field.js';
import { CardScreen } from '../components/Screen.js';
import { describeError } from '../error-messages.js';
import { textOf, useConfirmedNewPassword, useFocusOnError } from '../forms.js';
import { hrefOf, replaceRoute, routeParam } from '../routes.js';

/** "Forgot password?": asks for a reset link. The answer is the same whether or not the address has an account. */
export function ForgotPasswordScreen() {
  const trpc = useTRPC();
  const notices = useNotices();
  const formRef = useRef<HTMLFormElement>(null);
  const request = useMutation(trpc.auth.requestPasswordReset.mutationOptions());
  const errors = describeError(request.error, { email: 'Email address' });
  useFocusOnError(formRef, request.error);

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    notices.clear();
    request.mutate({ email: textOf(event.currentTarget, 'email') });
  }

  return (
    <CardScreen
      titleId="forgot-title"
      title="Forgot your password?"
      description="Enter your account's verified email address: we send it a link to choose a new password."
      footer={
        <p>
          <a href={hrefOf('sign-in')}>Back to sign in</a>
        </p>
      }
    >
      {request.isSuccess ? (
        <Callout tone="success" role="status">
          If an account has this verified address, a link to choose a new password is on its way. It works once, for 30
          minutes.
        </Callout>
      ) : (
        <form ref={formRef} onSubmit={submit} className="stack">
          <FormMessage message={errors.message} />
          <Field
            id="forgot-email"
            name="email"
            label="Email address"
            type="email"
            autoComplete="email"
            error={errors.fields.email}
          />
          <Button type="submit" variant="primary" block busy={request.isPending} busyLabel="Sending…">
            Send the link
          </Button>
        </form>
      )}
    </CardScreen>
  );
}

const RESET_LABELS = { token: 'The link', newPassword: 'New password', confirmPassword: 'New password again' };

/** The screen a reset link opens (`#/reset-password?token=…`). */
export function ResetPasswordScreen() {
  const trpc = useTRPC();
  const notices = useNotices();
  const formRef = useRef<HTMLFormElement>(null);
  // Read once: the token leaves the URL (and the history) as soon as it is used.
  const [token] = useState(() => routeParam('token') ?? '');
  const { mismatch, confirmed } = useConfirmedNewPassword();
  const reset = useMutation(
    trpc.auth.resetPassword.mutationOptions({
      onSuccess: () => {
        replaceRoute('sign-in');
        notices.show({
          tone: 'info',
          text: 'Your password has been changed and every session signed out. Sign in with the new password.',
        });
      },
    }),
  );
  const errors = describeError(reset.error, RESET_LABELS);
  useFocusOnError(formRef, mismatch ?? reset.error);

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    notices.clear();
    const newPassword = confirmed(event.currentTarget);
    if (newPassword === null) {
      reset.reset();
      return;
    }
    reset.mutate({ token, newPassword });
  }

  return (
    <CardScreen
      titleId="reset-title"
      title="Choose a new password"
      description="This signs out every session of your account, everywhere."
      footer={
        <p>
          Link expired? <a href={hrefOf('forgot-password')}>Ask for a new one</a>
        </p>
      }
    >
      <form ref={formRef} onSubmit={submit} className="stack">
        <FormMessage message={errors.fields.token ?? errors.message} />
        <Field
          id="reset-new"
          name="newPassword"
          label={RESET_LABELS.newPassword}
          type="password"
          autoComplete="new-password"
          hint="8 to 72 bytes."
          error={errors.fields.newPassword}
        />
        <Field
          id="reset-confirm"
          name="confirmPassword"
          label={RESET_LABELS.confirmPassword}
          type="password"
          autoComplete="new-password"
          error={mismatch?.message}
        />
        <Button type="submit" variant="primary" block busy={reset.isPending} busyLabel="Saving…">
          Set the new password
        </Button>
      </form>
    </CardScreen>
  );
}

const VERIFY_LABELS = { token: 'The link', email: 'This address' };

/**
 * The screen a verification link opens (`#/verify-email?token=…`). It spends
 * the token only when the person clicks: mail scanners open links, and a
 * scanner must not confirm an address for whoever asked for the link.
 */
export function VerifyEmailScreen() {
  const trpc = useTRPC();
  const session = useSession();
  // Read once, like the reset screen's token.
  const [token] = useState(() => routeParam('token') ?? '');
  const verify = useMutation(trpc.auth.verifyEmail.mutationOptions());
  const next = session ? hrefOf('profile') : hrefOf('sign-in');
  const errors = describeError(verify.error, VERIFY_LABELS);

  return (
    <CardScreen
      titleId="verify-title"
      title={
        verify.isSuccess
          ? 'Email address verified'
          : verify.isError
            ? 'This link does not work'
            : 'Confirm your email address'
      }
      busy={verify.isPending}
      footer={
        <p>
          <a href={next}>{session ? 'Go to your profile' : 'Sign in'}</a>
        </p>
      }
    >
      {verify.isSuccess ? (
        <Callout tone="success" role="status">
          Thank you: your address is verified, and can now receive password-reset links.
        </Callout>
      ) : verify.isError ? (
        <Callout tone="error" role="alert">
          {errors.fields.token ?? errors.fields.email ?? errors.message} Send a new one from your profile.
        </Callout>
      ) : (
        <>
          <p className="muted">
            Make this address the one of your account: it then receives your password-reset links.
          </p>
          <Button
            variant="primary"
            block
            onClick={() => verify.mutate({ token })}
            busy={verify.isPending}
            busyLabel="Confirming…"
          >
            Confirm this address
          </Button>
        </>
      )}
    </CardScreen>
  );
}
