import { startRegistration } from '@simplewebauthn/browser';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useRef } from 'react';
import { useApi, useNotices, useTRPC } from '../api-context.js';
import { describeError } from '../error-messages.js';
import { textOf, useFocusOnError } from '../forms.js';
import { passkeyErrorMessage } from '../passkeys.js';
import { Button } from './Button.js';
import { FormMessage } from './Callout.js';
import { Card, CardHeader } from './Card.js';
import { Field } from './Field.js';
import './PasskeysSection.css';

const LABELS = { currentPassword: 'Current password', name: 'Name' };
const dateFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

/** The signed-in user's passkeys: listed with their dates, added (current password first), removed. */
export function PasskeysSection() {
  const api = useApi();
  const trpc = useTRPC();
  const notices = useNotices();
  const queryClient = useQueryClient();
  const formRef = useRef<HTMLFormElement>(null);
  const passkeys = useQuery(trpc.passkey.list.queryOptions());
  const refresh = () => queryClient.invalidateQueries({ queryKey: trpc.passkey.list.queryKey() });

  const add = useMutation({
    mutationFn: async (input: { currentPassword: string; name: string }) => {
      const options = await api.trpc.passkey.registrationOptions.mutate({ currentPassword: input.currentPassword });
      // The browser asks the authenticator, which verifies the person (PIN, fingerprint, face).
      const response = await startRegistration({ optionsJSON: options });
      return api.trpc.passkey.register.mutate({ response, ...(input.name ? { name: input.name } : {}) });
    },
    onSuccess: (passkey) => {
      formRef.current?.reset();
      notices.show({ tone: 'info', text: `Passkey "${passkey.name}" added.` });
      void refresh();
    },
  });
  const remove = useMutation({
    mutationFn: (id: string) => api.trpc.passkey.remove.mutate({ id }),
    onSuccess: () => {
      notices.show({ tone: 'info', text: 'Passkey removed.' });
      void refresh();
    },
  });
  const errors = describeError(add.error, LABELS);
  const addMessage = passkeyErrorMessage(add.error) ?? errors.message;
  useFocusOnError(formRef, add.error);

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    notices.clear();
    const form = event.currentTarget;
    add.mutate({ currentPassword: textOf(form, 'currentPassword'), name: textOf(form, 'name').trim() });
  }

  return (
    <Card>
      <CardHeader
        titleId="passkeys-title"
        title="Passkeys"
        description="Sign in with your device's screen lock or a security key instead of your password."
      />
      {passkeys.isPending ? (
        <p role="status" className="muted">
          Loading your passkeys…
        </p>
      ) : passkeys.isError ? (
        <p role="alert">Could not load your passkeys. {describeError(passkeys.error, {}).message}</p>
      ) : passkeys.data.length === 0 ? (
        <p className="muted">You have no passkeys yet.</p>
      ) : (
        <ul className="passkeys" aria-labelledby="passkeys-title">
          {passkeys.data.map((passkey) => (
            <li key={passkey.id} className="passkey">
              <div>
                <strong>{passkey.name}</strong>
                <p className="muted passkey-dates">
                  Added <time dateTime={passkey.createdAt}>{dateFormat.format(new Date(passkey.createdAt))}</time>
                  {' · '}
                  {passkey.lastUsedAt ? (
                    <>
                      last used{' '}
                      <time dateTime={passkey.lastUsedAt}>{dateFormat.format(new Date(passkey.lastUsedAt))}</time>
                    </>
                  ) : (
                    'never used'
                  )}
                </p>
              </div>
              <Button
                size="sm"
                onClick={() => remove.mutate(passkey.id)}
                disabled={remove.isPending}
                aria-label={`Remove passkey ${passkey.name}`}
              >
                Remove
              </Button>
            </li>
          ))}
        </ul>
      )}
      {remove.error ? <FormMessage message={describeError(remove.error, {}).message} /> : null}
      <form ref={formRef} onSubmit={submit} className="stack passkey-form" aria-label="Add a passkey">
        <FormMessage message={addMessage} />
        <Field
          id="passkey-current-password"
          name="currentPassword"
          label={LABELS.currentPassword}
          type="password"
          autoComplete="current-password"
          error={errors.fields.currentPassword}
        />
        <Field
          id="passkey-name"
          name="name"
          label={LABELS.name}
          hint="Optional, such as “Laptop”."
          autoComplete="off"
          error={errors.fields.name}
        />
        <div className="form-actions">
          <Button type="submit" variant="primary" busy={add.isPending} busyLabel="Adding…">
            Add a passkey
          </Button>
        </div>
      </form>
    </Card>
  );
}
