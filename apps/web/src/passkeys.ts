import { WebAuthnError } from '@simplewebauthn/browser';

/**
 * What the browser said when no passkey came of a request, for people: most
 * often the person closed the prompt, or it timed out. Other errors (the
 * API's) are left to describeError.
 */
export function passkeyErrorMessage(error: unknown): string | null {
  if (error instanceof WebAuthnError || (error instanceof Error && error.name === 'NotAllowedError')) {
    return 'No passkey was used: the request was cancelled or timed out.';
  }
  return null;
}
