import { PasskeysSection } from '../components/PasskeysSection.js';
import { PageScreen } from '../components/Screen.js';
import { DevicesSection } from './security/DevicesSection.js';
import { TotpSection } from './security/TotpSection.js';

/**
 * How the account is protected and where it is signed in. Each section is a
 * component of its own, with its own queries: a new one is one more line here.
 */
export function SecurityScreen() {
  return (
    <PageScreen titleId="security-title" title="Security" description="How you sign in, and where you are signed in.">
      <TotpSection />
      <PasskeysSection />
      <DevicesSection />
    </PageScreen>
  );
}
