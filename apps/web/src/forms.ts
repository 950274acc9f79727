import { type RefObject, useEffect, useState } from 'react';

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
