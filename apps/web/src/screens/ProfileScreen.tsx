import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useRef } from 'react';
import { useNotices, useTRPC } from '../api-context.js';
import { Button } from '../components/Button.js';
import { FormMessage } from '../components/Callout.js';
import { Card, CardHeader } from '../components/Card.js';
import { Field } from '../components/Field.js';
import { PageScreen } from '../components/Screen.js';
import { describeError } from '../error-messages.js';
import { textOf, useFocusOnError } from '../forms.js';
import './ProfileScreen.css';

const dateFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'long', timeStyle: 'short' });

export function ProfileScreen() {
  const trpc = useTRPC();
  const me = useQuery(trpc.user.me.queryOptions());

  return (
    <PageScreen titleId="profile-title" title="Your profile" busy={me.isPending}>
      {me.isPending ? (
        <Card>
          <p role="status" className="muted">
            Loading your profile…
          </p>
        </Card>
      ) : me.isError ? (
        <Card>
          <div role="alert" className="stack">
            <p>Could not load your profile. {describeError(me.error, {}).message}</p>
            <p>
              <Button onClick={() => void me.refetch()}>Try again</Button>
            </p>
          </div>
        </Card>
      ) : (
        <Card>
          <CardHeader title="Account" />
          <dl className="profile">
            <dt>Username</dt>
            <dd>{me.data.username}</dd>
            <dt>Role</dt>
            <dd>{me.data.role}</dd>
            <dt>Member since</dt>
            <dd>
              <time dateTime={me.data.createdAt}>{dateFormat.format(new Date(me.data.createdAt))}</time>
            </dd>
            <dt>User id</dt>
            <dd>
              <code>{me.data.id}</code>
            </dd>
            <dt>Email</dt>
            <dd>{me.data.email === null ? 'none' : `${me.data.email} (verified)`}</dd>
            {me.data.pendingEmail === null ? null : (
              <>
                <dt>New email, waiting for its link</dt>
                <dd>{`${me.data.pendingEmail} (not verified)`}</dd>
              </>
            )}
          </dl>
        </Card>
      )}
      {me.data ? <EmailForm hasPending={me.data.pendingEmail !== null} /> : null}
    </PageScreen>
  );
}

const EMAIL_LABELS = { email: 'Email address', currentPassword: 'Current password' };

/** Claims a new address (with the current password) or asks for its verification link again. */
function EmailForm({ hasPending }: { hasPending: boolean }) {
  const trpc = useTRPC();
  const notices = useNotices();
  const queryClient = useQueryClient();
  const formRef = useRef<HTMLFormElement>(null);
  const refresh = () => queryClient.invalidateQueries({ queryKey: trpc.user.me.queryKey() });
  const setEmail = useMutation(
    trpc.user.setEmail.mutationOptions({
      onSuccess: () => {
        formRef.current?.reset();
        notices.show({ tone: 'info', text: 'Check your inbox: we sent a link to verify the address (24 hours).' });
        void refresh();
      },
    }),
  );
  const resend = useMutation(
    trpc.user.resendVerification.mutationOptions({
      onSuccess: () => notices.show({ tone: 'info', text: 'A new verification link is on its way.' }),
    }),
  );
  const errors = describeError(setEmail.error, EMAIL_LABELS);
  const resendError = describeError(resend.error, {}).message;
  useFocusOnError(formRef, setEmail.error);

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    notices.clear();
    const form = event.currentTarget;
    setEmail.mutate({ email: textOf(form, 'email'), currentPassword: textOf(form, 'currentPassword') });
  }

  return (
    <Card>
      <CardHeader
        titleId="email-title"
        title="Email for account recovery"
        description="Password-reset links go to this address once you have verified it."
      />
      {hasPending ? (
        <p className="resend">
          <Button size="sm" onClick={() => resend.mutate()} busy={resend.isPending} busyLabel="Sending…">
            Send the verification link again
          </Button>
          {resendError ? <span role="alert"> {resendError}</span> : null}
        </p>
      ) : null}
      <form ref={formRef} onSubmit={submit} aria-labelledby="email-title" className="stack">
        <FormMessage message={errors.message} />
        <Field
          id="email-address"
          name="email"
          label={EMAIL_LABELS.email}
          type="email"
          autoComplete="email"
          error={errors.fields.email}
        />
        <Field
          id="email-password"
          name="currentPassword"
          label={EMAIL_LABELS.currentPassword}
          type="password"
          autoComplete="current-password"
          error={errors.fields.currentPassword}
        />
        <div className="form-actions">
          <Button type="submit" variant="primary" busy={setEmail.isPending} busyLabel="Saving…">
            Save and send a verification link
          </Button>
        </div>
      </form>
    </Card>
  );
}
