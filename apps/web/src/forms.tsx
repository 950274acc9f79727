import { type RefObject, useEffect, useState } from 'react';

interface FieldProps {
  /** Unique on the page: the input's id, and the prefix of its hint's and error's ids. */
  id: string;
  name: string;
  label: string;
  type?: 'text' | 'password' | 'email';
  autoComplete: string;
  hint?: string | undefined;
  error?: string | undefined;
}

/** A labelled input whose hint and error are read out with it (aria-describedby). */
export function Field({ id, name, label, type = 'text', autoComplete, hint, error }: FieldProps) {
  const hintId = hint ? `${id}-hint` : undefined;
  const errorId = error ? `${id}-error` : undefined;
  const describedBy = [errorId, hintId].filter(Boolean).join(' ') || undefined;
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <input
        id={id}
        name={name}
        type={type}
        autoComplete={autoComplete}
        // Only "required": the server owns the rules (length, characters) and
        // its answer is shown next to the field, so they cannot drift apart.
        required
        aria-invalid={error ? true : undefined}
        aria-describedby={describedBy}
      />
      {error ? (
        <p id={errorId} className="field-error">
          {error}
        </p>
      ) : null}
      {hint ? (
        <p id={hintId} className="hint">
          {hint}
        </p>
      ) : null}
    </div>
  );
}

/** A problem of the whole form, announced as it appears. */
export function FormMessage({ message }: { message: string | null }) {
  if (!message) return null;
  return (
    <p className="form-error" role="alert" tabIndex={-1} data-form-message>
      {message}
    </p>
  );
}

/**
 * After a failed submit, puts the keyboard on the first field at fault, or
 * else on the form's message, so the user lands where the problem is.
 */
export function useFocusOnError(formRef: RefObject<HTMLFormElement | null>, error: unknown): void {
  useEffect(() => {
    if (!error) return;
    const form = formRef.current;
    const target =
      form?.querySelector<HTMLElement>('[aria-invalid="true"]') ??
      form?.querySelector<HTMLElement>('[data-form-message]');
    target?.focus();
  }, [formRef, error]);
}

/** The value of a text input of a submitted form. */
export function textOf(form: HTMLFormElement, name: string): string {
  const value = new FormData(form).get(name);
  return typeof value === 'string' ? value : '';
}

/**
 * The new password typed twice. A typo in it locks the user out, so this is
 * the one check a form makes itself rather than leave to the server.
 */
export function useConfirmedNewPassword() {
  const [mismatch, setMismatch] = useState<{ message: string } | null>(null);
  return {
    /** Set after a submit whose two fields differed (an object, so each such submit refocuses). */
    mismatch,
    /** The new password of `form` when both fields agree; otherwise null, and `mismatch` says so. */
    confirmed(form: HTMLFormElement): string | null {
      const newPassword = textOf(form, 'newPassword');
      if (newPassword !== textOf(form, 'confirmPassword')) {
        setMismatch({ message: 'This does not match the new password' });
        return null;
      }
      setMismatch(null);
      return newPassword;
    },
  };
}
