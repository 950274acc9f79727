import type { ReactNode } from 'react';
import './Screen.css';

interface ScreenProps {
  /** The h1's id; the section is labelled by it. App focuses the h1 when the screen opens. */
  titleId: string;
  title: ReactNode;
  /** A line under the title. */
  description?: ReactNode;
  /** aria-busy on the section while its data loads. */
  busy?: boolean;
  children: ReactNode;
  /** Under the card: links to other screens ("No account yet? Create one"). */
  footer?: ReactNode;
}

/** The title a screen moves focus to, and its one-line description. */
function ScreenHeader({ titleId, title, description }: Pick<ScreenProps, 'titleId' | 'title' | 'description'>) {
  return (
    <header className="screen-header">
      <h1 id={titleId} tabIndex={-1}>
        {title}
      </h1>
      {description ? <p className="muted">{description}</p> : null}
    </header>
  );
}

/** A screen that is one centred card: signing in, registering, the screens emailed links open. */
export function CardScreen({ titleId, title, description, busy, children, footer }: ScreenProps) {
  return (
    <section className="card-screen" aria-labelledby={titleId} aria-busy={busy}>
      <div className="card card-screen-card">
        <ScreenHeader titleId={titleId} title={title} description={description} />
        {children}
      </div>
      {footer ? <div className="card-screen-footer">{footer}</div> : null}
    </section>
  );
}

/** A screen of the signed-in app: a title, then its cards. */
export function PageScreen({ titleId, title, description, busy, children, footer }: ScreenProps) {
  return (
    <section className="page-screen" aria-labelledby={titleId} aria-busy={busy}>
      <ScreenHeader titleId={titleId} title={title} description={description} />
      {children}
      {footer}
    </section>
  );
}
