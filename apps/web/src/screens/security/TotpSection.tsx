import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { toDataURL } from 'qrcode';
import { type FormEvent, useEffect, useRef, useState } from 'react';
import { useNotices, useTRPC } from '../../api-context.js';
import { Badge } from '../../components/Badge.js';
import { Button } from '../../components/Button.js';
import { FormMessage } from '../../components/Callout.js';
import { Card, CardHeader } from '../../components/Card.js';
import { Field } from '../../components/Field.js';
import { describeError } from '../../error-messages.js';
import { textOf, useFocusOnError } from '../../forms.js';
import { RecoveryCodes } from './RecoveryCodes.js';
import './Security.css';

const LABELS = { currentPassword: 'Current password', code: 'Code' };
const CODE_HINT = 'The 6 digits your authenticator app shows now, or one of your recovery codes.';

/** Two-step sign-in with an authenticator app: set up (QR code, first code, recovery codes), or turn off. */
export function TotpSection() {
  const trpc = useTRPC();
  const status = useQuery(trpc.mfa.status.queryOptions());
  // Shown once, after TOTP was turned on or codes were made anew; gone when the screen is left.
  const [codes, setCodes] = useState<string[] | null>(null);

  return (
    <Card>
      <CardHeader
        titleId="totp-title"
        title={
          <>
            Authenticator app{' '}
            {status.data ? (
              <Badge tone={status.data.totp ? 'success' : 'neutral'}>{status.data.totp ? 'on' : 'off'}</Badge>
            ) : null}
          </>
        }
        description="A code from an app on your phone at each sign-in, besides your password."
      />
      {codes ? <RecoveryCodes codes={codes} /> : null}
      {status.isPending ? (
        <p role="status" className="muted">
          Loading…
        </p>
      ) : status.isError ? (
        <p role="alert">Could not load your sign-in settings. {describeError(status.error, {}).message}</p>
      ) : status.data.totp ? (
        <TotpOn recoveryCodesLeft={status.data.recoveryCodesLeft} onNewCodes={setCodes} />
      ) : (
        <TotpSetup onEnabled={setCodes} />
      )}
    </Card>
  );
}

function useRefreshStatus() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  return () => queryClient.invalidateQueries({ queryKey: trpc.mfa.status.queryKey() });
}

/** Step 1, the password; step 2, the QR code and a first code. */
function TotpSetup({ onEnabled }: { onEnabled: (codes: string[]) => void }) {
  const trpc = useTRPC();
  const notices = useNotices();
  const refresh = useRefreshStatus();
  const passwordForm = useRef<HTMLFormElement>(null);
  const codeForm = useRef<HTMLFormElement>(null);
  const setup = useMutation(trpc.mfa.totpSetup.mutationOptions());
  const confirm = useMutation(
    trpc.mfa.totpConfirm.mutationOptions({
      onSuccess: ({ recoveryCodes }) => {
        onEnabled(recoveryCodes);
        setup.reset();
        notices.show({ tone: 'info', text: 'Two-step sign-in is on.' });
        void refresh();
      },
    }),
  );
  const setupErrors = describeError(setup.error, LABELS);
  const confirmErrors = describeError(confirm.error, LABELS);
  useFocusOnError(passwordForm, setup.error);
  useFocusOnError(codeForm, confirm.error);

  if (!setup.data) {
    return (
      <form
        ref={passwordForm}
        className="stack"
        aria-label="Set up an authenticator app"
        onSubmit={(event: FormEvent<HTMLFormElement>) => {
          event.preventDefault();
          notices.clear();
          setup.mutate({ currentPassword: textOf(event.currentTarget, 'currentPassword') });
        }}
      >
        <FormMessage message={setupErrors.message} />
        <Field
          id="totp-setup-password"
          name="currentPassword"
          label={LABELS.currentPassword}
          type="password"
          autoComplete="current-password"
          error={setupErrors.fields.currentPassword}
        />
        <div className="form-actions">
          <Button type="submit" variant="primary" busy={setup.isPending} busyLabel="Starting…">
            Set up an authenticator app
          </Button>
        </div>
      </form>
    );
  }
  return (
    <div className="stack">
      <p>Scan this code with your authenticator app, or type the key into it; then enter the code it shows.</p>
      <QrCode text={setup.data.otpauthUrl} />
      <p>
        Key: <code className="totp-secret">{setup.data.secret}</code>
      </p>
      <form
        ref={codeForm}
        className="stack"
        aria-label="Confirm the authenticator app"
        onSubmit={(event: FormEvent<HTMLFormElement>) => {
          event.preventDefault();
          notices.clear();
          confirm.mutate({ code: textOf(event.currentTarget, 'code') });
        }}
      >
        <FormMessage message={confirmErrors.message} />
        <Field
          id="totp-confirm-code"
          name="code"
          label="Code from the app"
          autoComplete="one-time-code"
          inputMode="numeric"
          error={confirmErrors.fields.code}
        />
        <div className="form-actions">
          <Button type="submit" variant="primary" busy={confirm.isPending} busyLabel="Checking…">
            Turn on
          </Button>
          <Button variant="quiet" onClick={() => setup.reset()}>
            Cancel
          </Button>
        </div>
      </form>
    </div>
  );
}

/** The otpauth URL as a QR code: a PNG data: URL in an <img> (the CSP allows data: images, and no inline style). */
function QrCode({ text }: { text: string }) {
  const [src, setSrc] = useState<string | null>(null);
  useEffect(() => {
    let isCurrent = true;
    toDataURL(text, { margin: 1, width: 200 }).then(
      (url) => isCurrent && setSrc(url),
      () => isCurrent && setSrc(null),
    );
    return () => {
      isCurrent = false;
    };
  }, [text]);
  return src ? (
    <img className="totp-qr" src={src} width={200} height={200} alt="QR code of the authenticator app's key" />
  ) : null;
}

/** On: how many recovery codes are left, new codes, and turning it off (password and a code each). */
function TotpOn({
  recoveryCodesLeft,
  onNewCodes,
}: {
  recoveryCodesLeft: number;
  onNewCodes: (codes: string[] | null) => void;
}) {
  const trpc = useTRPC();
  const notices = useNotices();
  const refresh = useRefreshStatus();
  const regenerateForm = useRef<HTMLFormElement>(null);
  const disableForm = useRef<HTMLFormElement>(null);
  const regenerate = useMutation(
    trpc.mfa.regenerateRecoveryCodes.mutationOptions({
      onSuccess: ({ recoveryCodes }) => {
        regenerateForm.current?.reset();
        onNewCodes(recoveryCodes);
        void refresh();
      },
    }),
  );
  const disable = useMutation(
    trpc.mfa.disable.mutationOptions({
      onSuccess: () => {
        onNewCodes(null);
        notices.show({ tone: 'info', text: 'Two-step sign-in is off.' });
        void refresh();
      },
    }),
  );
  const regenerateErrors = describeError(regenerate.error, LABELS);
  const disableErrors = describeError(disable.error, LABELS);
  useFocusOnError(regenerateForm, regenerate.error);
  useFocusOnError(disableForm, disable.error);

  const submit =
    (mutate: (input: { currentPassword: string; code: string }) => void) => (event: FormEvent<HTMLFormElement>) => {
      event.preventDefault();
      notices.clear();
      const form = event.currentTarget;
      mutate({ currentPassword: textOf(form, 'currentPassword'), code: textOf(form, 'code') });
    };

  return (
    <div className="stack">
      <p>
        {recoveryCodesLeft} {recoveryCodesLeft === 1 ? 'recovery code' : 'recovery codes'} left.
      </p>
      <form
        ref={regenerateForm}
        className="stack"
        aria-labelledby="regenerate-title"
        onSubmit={submit(regenerate.mutate)}
      >
        <h3 id="regenerate-title">New recovery codes</h3>
        <FormMessage message={regenerateErrors.message} />
        <Field
          id="regenerate-password"
          name="currentPassword"
          label={LABELS.currentPassword}
          type="password"
          autoComplete="current-password"
          error={regenerateErrors.fields.currentPassword}
        />
        <Field
          id="regenerate-code"
          name="code"
          label={LABELS.code}
          autoComplete="one-time-code"
          hint={CODE_HINT}
          error={regenerateErrors.fields.code}
        />
        <div className="form-actions">
          <Button type="submit" busy={regenerate.isPending} busyLabel="Making codes…">
            Make new recovery codes
          </Button>
        </div>
      </form>
      <form ref={disableForm} className="stack" aria-labelledby="disable-title" onSubmit={submit(disable.mutate)}>
        <h3 id="disable-title">Turn off</h3>
        <FormMessage message={disableErrors.message} />
        <Field
          id="disable-password"
          name="currentPassword"
          label={LABELS.currentPassword}
          type="password"
          autoComplete="current-password"
          error={disableErrors.fields.currentPassword}
        />
        <Field
          id="disable-code"
          name="code"
          label={LABELS.code}
          autoComplete="one-time-code"
          hint={CODE_HINT}
          error={disableErrors.fields.code}
        />
        <div className="form-actions">
          <Button type="submit" busy={disable.isPending} busyLabel="Turning off…">
            Turn off two-step sign-in
          </Button>
        </div>
      </form>
    </div>
  );
}
