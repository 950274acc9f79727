import './Toast.css';

interface ToastProps {
  /** The text to show, or null for none. */
  text: string | null;
  tone: 'info' | 'error';
  onDismiss: () => void;
}

/**
 * A message for the whole app, floating above the screen. The live region is
 * always in the page, empty when there is nothing to say, so screen readers
 * announce what appears in it; it holds the text only (the close button is
 * beside it), so what is announced is the message and nothing else.
 */
export function Toast({ text, tone, onDismiss }: ToastProps) {
  return (
    <section className="toaster" aria-label="Notifications">
      <div className={text ? `toast toast-${tone}` : 'toast-idle'}>
        <p className="toast-text" role="status" aria-live="polite">
          {text}
        </p>
        {text ? (
          <button type="button" className="toast-close" aria-label="Dismiss notification" onClick={onDismiss}>
            <span aria-hidden="true">×</span>
          </button>
        ) : null}
      </div>
    </section>
  );
}
