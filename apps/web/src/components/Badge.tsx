import type { ReactNode } from 'react';
import './Badge.css';

/** A short label beside a name: a role, "this device", "verified". */
export function Badge({
  tone = 'neutral',
  children,
}: {
  tone?: 'neutral' | 'accent' | 'success';
  children: ReactNode;
}) {
  return <span className={`badge badge-${tone}`}>{children}</span>;
}
