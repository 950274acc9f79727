import type { ReactNode } from 'react';
import './Callout.css';

interface CalloutProps {
  tone: 'info' | 'success' | 'error';
  /** "alert" for a problem to announce at once, "status" for news that can wait; none for text already there. */
  role?: 'alert' | 'status';
  children: ReactNode;
}

/** A message in the flow of a screen: a form's problem, the outcome of an action. */
export function Callout({ tone, role, children }: CalloutProps) {
  return (
    <p className={`callout callout-${tone}`} role={role}>
      {children}
    </p>
  );
}

/** A problem of the whole form, announced as it appears; useFocusOnError puts the keyboard on it. */
export function FormMessage({ message }: { message: string | null }) {
  if (!message) return null;
  return (
    <p className="callout callout-error" role="alert" tabIndex={-1} data-form-message>
      {message}
    </p>
  );
}
