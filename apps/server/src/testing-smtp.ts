/**
 * Test support (`@repo/server/testing-smtp`): a real SMTP server in the test
 * process (smtp-server, from nodemailer's authors). The API's mail goes to it
 * through nodemailer over TCP, with a login, and tests read the links from the
 * messages it received.
 */
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Mailer } from '@repo/api';
import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { createSmtpMailer } from './mailer.js';

export interface ReceivedMail {
  to: string;
  from: string;
  subject: string;
  text: string;
}

export interface TestSmtp {
  /** smtp://user:pass@127.0.0.1:<port>, for SMTP_URL. */
  url: string;
  messages: ReceivedMail[];
  /** The messages to one address (any letter case). */
  to(address: string): ReceivedMail[];
  /** The server's own mailer (nodemailer) pointed at this SMTP server. */
  mailer: Mailer;
  /** Waits (up to 10 s) for the message to `address` after the first `seen` ones, and returns it. */
  nextTo(address: string, seen: number): Promise<ReceivedMail>;
  close(): Promise<void>;
}

const USER = 'mailer';
const PASSWORD = 'smtp-test-password';

export async function startTestSmtp(): Promise<TestSmtp> {
  const messages: ReceivedMail[] = [];
  const server = new SMTPServer({
    // Plain TCP on loopback, with a required login, as a mail relay would have.
    disabledCommands: ['STARTTLS'],
    allowInsecureAuth: true,
    authMethods: ['PLAIN', 'LOGIN'],
    logger: false,
    onAuth(auth, _session, callback) {
      if (auth.username === USER && auth.password === PASSWORD) callback(null, { user: USER });
      else callback(new Error('Invalid username or password'));
    },
    onData(stream, _session, callback) {
      simpleParser(stream).then(
        (parsed) => {
          const to = Array.isArray(parsed.to) ? parsed.to[0]?.text : parsed.to?.text;
          messages.push({
            to: to ?? '',
            from: parsed.from?.text ?? '',
            subject: parsed.subject ?? '',
            text: parsed.text ?? '',
          });
          callback();
        },
        (error: Error) => callback(error),
      );
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.server.address() as AddressInfo;
  const url = `smtp://${USER}:${PASSWORD}@127.0.0.1:${port}`;
  const to = (address: string) => messages.filter((m) => m.to.toLowerCase() === address.toLowerCase());
  return {
    url,
    messages,
    to,
    mailer: createSmtpMailer(url, 'Auth API <no-reply@app.test>'),
    async nextTo(address, seen) {
      for (let waited = 0; waited < 10_000; waited += 50) {
        const next = to(address)[seen];
        if (next) return next;
        await sleep(50);
      }
      throw new Error(`no mail #${seen + 1} to ${address} within 10 s`);
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** The link of an email, and its token. */
export function linkOf(mail: ReceivedMail | undefined): { url: string; screen: string; token: string } {
  const match = /(\S+#\/(reset-password|verify-email)\?token=([A-Za-z0-9_-]+))/.exec(mail?.text ?? '');
  if (!match?.[1] || !match[2] || !match[3]) throw new Error(`no link in the mail: ${JSON.stringify(mail)}`);
  return { url: match[1], screen: match[2], token: match[3] };
}
