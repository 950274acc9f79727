import { useMutation } from '@tanstack/react-query';
import { type FormEvent, useRef } from 'react';
import { useNotices, useTRPC } from '../api-context.js';
import { Button } from '../components/Button.js';
import { FormMessage } from '../components/Callout.js';
import { Card } from '../components/Card.js';
import { Field } from '../components/Field.js';
import { PageScreen } from '../components/Screen.js';
import { describeError } from '../error-messages.js';
import { textOf, useConfirmedNewPassword, useFocusOnError } from '../forms.js';

const LABELS = {
  currentPassword: 'Current password',
  newPassword: 'New password',
  confirmPassword: 'New password again',
};

export function PasswordScreen() {
  const trpc = useTRPC();
  const notices = useNotices();
  const formRef = useRef<HTMLFormElement>(null);
  const { mismatch, confirmed } = useConfirmedNewPassword();
  const changePassword = useMutation(
    trpc.user.changePassword.mutationOptions({
      onSuccess: ({ revokedSessions }) => {
        formRef.current?.reset();
        notices.show({
          tone: 'info',
          text:
            revokedSessions > 0
              ? `Your password has been changed, and ${revokedSessions} other ${revokedSessions === 1 ? 'session was' : 'sessions were'} signed out.`
              : 'Your password has been changed.',
        });
      },
    }),
  );
  const errors = describeError(changePassword.error, LABELS);
  const confirmError = mismatch?.message;
  useFocusOnError(formRef, mismatch ?? changePassword.error);

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    notices.clear();
    const form = event.currentTarget;
    const newPassword = confirmed(form);
    if (newPassword === null) {
      changePassword.reset();
      return;
    }
    changePassword.mutate({ currentPassword: textOf(form, 'currentPassword'), newPassword });
  }

  return (
    <PageScreen
      titleId="password-title"
      title="Change password"
      description="Changing it signs out every other session of your account; this one stays signed in."
    >
      <Card>
        <form ref={formRef} onSubmit={submit} className="stack">
          <FormMessage message={errors.message} />
          <Field
            id="password-current"
            name="currentPassword"
            label={LABELS.currentPassword}
            type="password"
            autoComplete="current-password"
            error={errors.fields.currentPassword}
          />
          <Field
            id="password-new"
            name="newPassword"
            label={LABELS.newPassword}
            type="password"
            autoComplete="new-password"
            hint="8 to 72 bytes."
            error={errors.fields.newPassword}
          />
          <Field
            id="password-confirm"
            name="confirmPassword"
            label={LABELS.confirmPassword}
            type="password"
            autoComplete="new-password"
            error={confirmError}
          />
          <div className="form-actions">
            <Button type="submit" variant="primary" busy={changePassword.isPending} busyLabel="Changing…">
              Change password
            </Button>
          </div>
        </form>
      </Card>
    </PageScreen>
  );
}
