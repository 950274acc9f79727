import type { ButtonHTMLAttributes, ReactNode } from 'react';
import './Button.css';

interface ButtonProps extends Omit<ButtonHTMLAttributes<HTMLButtonElement>, 'className'> {
  /** primary: the one main action of a form; secondary: the others; quiet: actions that should not draw the eye. */
  variant?: 'primary' | 'secondary' | 'quiet';
  size?: 'md' | 'sm';
  /** Spans its container (forms in a card). */
  block?: boolean;
  /** While its action runs: disabled, aria-busy, a spinner, and `busyLabel` instead of the label. */
  busy?: boolean;
  busyLabel?: ReactNode;
}

/** A button of the design: `type="button"` unless told, so it never submits a form by accident. */
export function Button({
  variant = 'secondary',
  size = 'md',
  block = false,
  busy = false,
  busyLabel,
  type = 'button',
  disabled,
  children,
  ...rest
}: ButtonProps) {
  const className = ['button', `button-${variant}`, size === 'sm' ? 'button-sm' : '', block ? 'button-block' : '']
    .filter(Boolean)
    .join(' ');
  return (
    <button {...rest} type={type} className={className} disabled={busy || disabled} aria-busy={busy ? true : undefined}>
      {busy ? <span className="spinner" aria-hidden="true" /> : null}
      {busy && busyLabel !== undefined ? busyLabel : children}
    </button>
  );
}
