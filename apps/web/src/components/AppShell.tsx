import type { ReactNode, Ref } from 'react';
import './AppShell.css';

interface AppShellProps {
  productName: string;
  /** The signed-in app's navigation; none signed out. */
  nav?: ReactNode;
  /** Who is signed in, and signing out; none signed out. */
  account?: ReactNode;
  /** Always in the page (a live region), before main so it reads first. */
  toast: ReactNode;
  /** "card": one centred card (signed out, emailed links); "page": the signed-in app's wider column. */
  layout: 'card' | 'page';
  mainRef?: Ref<HTMLElement>;
  children: ReactNode;
}

/** The frame of every screen: a header with the product's name, navigation and account, then the screen. */
export function AppShell({ productName, nav, account, toast, layout, mainRef, children }: AppShellProps) {
  return (
    <div className="shell">
      <header className="shell-header">
        <div className="shell-header-inner">
          <p className="brand">
            <span className="brand-mark" aria-hidden="true" />
            {productName}
          </p>
          {nav}
          {account ? <div className="shell-account">{account}</div> : null}
        </div>
      </header>
      {toast}
      <main ref={mainRef} className={`shell-main shell-main-${layout}`}>
        {children}
      </main>
    </div>
  );
}

export interface NavItem {
  href: string;
  label: string;
  isCurrent: boolean;
}

/** The main navigation: links, the current one marked with aria-current. */
export function NavLinks({ items, onNavigate }: { items: NavItem[]; onNavigate?: () => void }) {
  return (
    <nav className="shell-nav" aria-label="Main">
      <ul>
        {items.map(({ href, label, isCurrent }) => (
          <li key={href}>
            <a href={href} aria-current={isCurrent ? 'page' : undefined} onClick={onNavigate}>
              {label}
            </a>
          </li>
        ))}
      </ul>
    </nav>
  );
}
