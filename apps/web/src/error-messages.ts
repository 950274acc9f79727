import type { AppRouter } from '@repo/api';
import { isSessionExpiredError } from '@repo/client';
import { TRPCClientError } from '@trpc/client';

export interface ErrorDescription<F extends string> {
  /** Problems to show next to their field, as sentences ("Username is already taken"). */
  fields: Partial<Record<F, string>>;
  /** A problem of the whole form (bad credentials, throttled, offline). */
  message: string | null;
}

const NONE = { fields: {}, message: null };

function asClientError(error: unknown): TRPCClientError<AppRouter> | null {
  return error instanceof TRPCClientError ? (error as TRPCClientError<AppRouter>) : null;
}

function secondsText(seconds: number): string {
  const text = `${seconds} ${seconds === 1 ? 'second' : 'seconds'}`;
  return seconds >= 120 ? `${text} (about ${Math.round(seconds / 60)} minutes)` : text;
}

/**
 * What the server said, in the words a form shows. The server names the
 * field at fault (`data.fieldErrors` for invalid input, `data.field` for a
 * taken username or a wrong current password); each field's problem reads
 * after the field's label: "must be 3 to 40 characters" → "Username must be
 * 3 to 40 characters".
 */
export function describeError<F extends string>(error: unknown, labels: Record<F, string>): ErrorDescription<F> {
  if (!error) return NONE;
  const isField = (name: string): name is F => Object.hasOwn(labels, name);
  const client = asClientError(error);
  if (!client) return { fields: {}, message: error instanceof Error ? error.message : String(error) };
  if (isSessionExpiredError(client)) return { fields: {}, message: 'Your session has ended; sign in again.' };
  const data = client.data;
  // No tRPC error body: the request never got an answer from the API.
  if (!data) return { fields: {}, message: 'Could not reach the server. Check your connection and try again.' };

  const fields: Partial<Record<F, string>> = {};
  const others: string[] = [];
  for (const [name, problems] of Object.entries(data.fieldErrors ?? {})) {
    if (isField(name)) fields[name] = `${labels[name]} ${problems.join(', ')}`;
    else others.push(`${name}: ${problems.join(', ')}`);
  }
  if (data.field && isField(data.field)) {
    const prefix = `${data.field}: `;
    const problem = client.message.startsWith(prefix) ? client.message.slice(prefix.length) : client.message;
    fields[data.field] = `${labels[data.field]} ${problem}`;
  }
  if (data.code === 'TOO_MANY_REQUESTS') {
    const wait = data.retryAfterSeconds;
    others.push(`Too many attempts. Try again in ${wait ? secondsText(wait) : 'a few minutes'}.`);
  } else if (Object.keys(fields).length === 0 && others.length === 0) {
    others.push(client.message);
  }
  return { fields, message: others.length > 0 ? others.join(' ') : null };
}

/** Errors that a retry cannot fix: anything the server answered with a 4xx, and an ended session. */
export function isFinalError(error: unknown): boolean {
  if (isSessionExpiredError(error)) return true;
  const status = asClientError(error)?.data?.httpStatus;
  return status !== undefined && status >= 400 && status < 500;
}
