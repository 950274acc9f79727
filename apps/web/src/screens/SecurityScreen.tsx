import { PasskeysSection } from '../components/PasskeysSection.js';
import { PageScreen } from '../components/Screen.js';
import { SecurityActivitySection } from '../components/SecurityActivitySection.js';
import { DevicesSection } from './security/DevicesSection.js';
import { LinkedAccountsSection } from './security/LinkedAccountsSection.js';
import { TotpSection } from './security/TotpSection.js';

/**
 * How the account is protected, where it is signed in and what happened to
 * it lately. Each section is a component of its own, with its own queries: a
 * new one is one more line here.
 */
export function SecurityScreen() {
  return (
    <PageScreen
      titleId="security-title"
      title="Security"
      description="How you sign in, where you are signed in, and your recent activity."
    >
      <TotpSection />
      <PasskeysSection />
      <LinkedAccountsSection />
      <DevicesSection />
      <SecurityActivitySection />
    </PageScreen>
  );
}
