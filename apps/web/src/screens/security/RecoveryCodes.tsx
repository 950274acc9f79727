import { useState } from 'react';
import { Button } from '../../components/Button.js';
import { Callout } from '../../components/Callout.js';

/** A set of recovery codes, shown this once: to copy or download. */
export function RecoveryCodes({ codes }: { codes: string[] }) {
  const [copied, setCopied] = useState<'yes' | 'failed' | null>(null);
  const text = `${codes.join('\n')}\n`;
  // A data: URL, not an object URL: nothing to revoke, and the page's CSP allows it for a download.
  const download = `data:text/plain;charset=utf-8,${encodeURIComponent(text)}`;

  async function copy() {
    try {
      await navigator.clipboard.writeText(text);
      setCopied('yes');
    } catch {
      setCopied('failed');
    }
  }

  return (
    <div className="stack recovery">
      <Callout tone="info">
        Keep these recovery codes somewhere safe. Each signs you in once if you lose your authenticator app. They are
        shown only now.
      </Callout>
      <ol className="recovery-codes" aria-label="Recovery codes">
        {codes.map((code) => (
          <li key={code}>
            <code>{code}</code>
          </li>
        ))}
      </ol>
      <div className="form-actions">
        <Button size="sm" onClick={() => void copy()}>
          Copy codes
        </Button>
        <a className="button button-secondary button-sm" href={download} download="recovery-codes.txt">
          Download codes
        </a>
        <span role="status" className="muted">
          {copied === 'yes' ? 'Copied.' : copied === 'failed' ? 'Could not copy; select the codes instead.' : ''}
        </span>
      </div>
    </div>
  );
}
