/**
 * How the server sends the API's mail (the API knows only its `Mailer`
 * interface): nodemailer over SMTP_URL, or, in development without it, the
 * console. In production without SMTP_URL there is no mailer, and the email
 * procedures answer 503.
 */
import type { Mailer, MailMessage } from '@repo/api';
import type { Transporter } from 'nodemailer';
import type { Logger } from 'pino';
import type { Config } from './config.js';

/**
 * Bounds on every SMTP step, so a slow or silent mail server holds a send
 * (which runs after the response, in the background) for seconds, not
 * nodemailer's defaults of up to 10 minutes.
 */
export const SMTP_TIMEOUTS = { connectionTimeout: 10_000, greetingTimeout: 10_000, socketTimeout: 20_000 } as const;

export interface SmtpMailer extends Mailer {
  close(): void;
}

/** nodemailer over an smtp:// or smtps:// URL (credentials in the URL). */
export function createSmtpMailer(
  url: string,
  from: string,
  timeouts: Partial<Record<keyof typeof SMTP_TIMEOUTS, number>> = {},
): SmtpMailer {
  // nodemailer loads with the first message: a server that sends none never holds it in memory.
  let transport: Promise<Transporter> | undefined;
  return {
    async send(message: MailMessage) {
      transport ??= import('nodemailer').then(({ createTransport }) =>
        createTransport({ url, ...SMTP_TIMEOUTS, ...timeouts }),
      );
      await (await transport).sendMail({ from, to: message.to, subject: message.subject, text: message.text });
    },
    close: () => void transport?.then((opened) => opened.close()),
  };
}

/** The development stand-in: prints each message, plainly marked, instead of sending it. */
export function createConsoleMailer(from: string, write: (text: string) => void): Mailer {
  return {
    async send(message) {
      write(
        [
          '',
          '──────── development mail (not sent: SMTP_URL is not set) ────────',
          `From: ${from}`,
          `To: ${message.to}`,
          `Subject: ${message.subject}`,
          '',
          message.text,
          '──────── end of development mail ────────',
          '',
        ].join('\n'),
      );
    },
  };
}

/** The mailer for this configuration; undefined in production without SMTP_URL. */
export function createMailer(config: Config, logger: Logger): SmtpMailer | Mailer | undefined {
  if (config.mail.smtpUrl) return createSmtpMailer(config.mail.smtpUrl, config.mail.from);
  if (config.isProduction) {
    logger.info('SMTP_URL is not set: email verification and password reset answer 503 until it is');
    return undefined;
  }
  logger.info('SMTP_URL is not set: mail is printed to this console (development)');
  return createConsoleMailer(config.mail.from, (text) => process.stdout.write(text));
}
