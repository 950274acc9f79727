import { PasskeysSection } from '../components/PasskeysSection.js';
import { PageScreen } from '../components/Screen.js';

/** How the account is protected: its passkeys. */
export function SecurityScreen() {
  return (
    <PageScreen titleId="security-title" title="Security" description="The ways you sign in to your account.">
      <PasskeysSection />
    </PageScreen>
  );
}
