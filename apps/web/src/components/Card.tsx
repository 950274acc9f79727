import type { ReactNode } from 'react';
import './Card.css';

/** A surface that groups one thing: a form, a list, a set of details. */
export function Card({ children, className }: { children: ReactNode; className?: string }) {
  return <div className={className ? `card ${className}` : 'card'}>{children}</div>;
}

/** The top of a card: its title (an h2) and, optionally, a line about it. */
export function CardHeader({
  titleId,
  title,
  description,
}: {
  titleId?: string;
  title: ReactNode;
  description?: ReactNode;
}) {
  return (
    <div className="card-header">
      <h2 id={titleId}>{title}</h2>
      {description ? <p className="muted">{description}</p> : null}
    </div>
  );
}
