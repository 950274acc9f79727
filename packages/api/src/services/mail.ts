import type { SecurityEventSink } from './security-events.js';
import type { AuthThrottle } from './throttle.js';

/** One plain-text message. */
export interface MailMessage {
  to: string;
  subject: string;
  text: string;
}

/**
 * Sends mail. The API knows only this interface: the server implements it
 * (nodemailer over SMTP, or the console in development). `send` resolves once
 * the message is handed over and rejects when that failed; an implementation
 * bounds how long that may take.
 */
export interface Mailer {
  send(message: MailMessage): Promise<void>;
}

/**
 * The kinds of message: links, the notices that an address is already in use
 * (sent instead of a link) or was replaced by a newly verified one, that a
 * passkey was added or removed, and of changes to the second factor.
 */
export type MailPurpose =
  | 'verify_email'
  | 'reset_password'
  | 'email_in_use'
  | 'email_changed'
  | 'passkey_added'
  | 'passkey_removed'
  /** Second-factor notices: TOTP turned on or off, a recovery code used, a new set of codes. */
  | 'totp_enabled'
  | 'totp_disabled'
  | 'recovery_code_used'
  | 'recovery_codes_regenerated';

/** What a message is about, for the security event of a failed send (never its content). */
export interface MailContext {
  userId: string;
  purpose: MailPurpose;
}

/**
 * Sends in the background: a request never waits on the mail server. Each
 * message first takes one from its recipient's budget (every kind of message
 * together), so no one can make the server flood a mailbox; past it the
 * message is dropped (`email.suppressed`). A failed send is reported as a
 * security event (`email.send_failed`, with the transport's reason and
 * without the message). `idle()` waits for the sends under way, for tests and
 * for a graceful shutdown.
 */
export class MailOutbox {
  readonly #pending = new Set<Promise<void>>();

  constructor(
    private readonly mailer: Mailer,
    private readonly emit: SecurityEventSink,
    private readonly budget: Pick<AuthThrottle, 'takeMail'>,
  ) {}

  dispatch(message: MailMessage, context: MailContext): void {
    const sending = this.#send(message, context).finally(() => this.#pending.delete(sending));
    this.#pending.add(sending);
  }

  async #send(message: MailMessage, context: MailContext): Promise<void> {
    try {
      if (!(await this.budget.takeMail(message.to))) {
        this.emit({ type: 'email.suppressed', userId: context.userId, purpose: context.purpose });
        return;
      }
      await this.mailer.send(message);
    } catch (error: unknown) {
      this.emit({
        type: 'email.send_failed',
        userId: context.userId,
        purpose: context.purpose,
        reason: error instanceof Error ? error.message : String(error),
      });
    }
  }

  /** Resolves when every send dispatched so far has finished (sent or failed). */
  async idle(): Promise<void> {
    while (this.#pending.size > 0) await Promise.all([...this.#pending]);
  }
}
