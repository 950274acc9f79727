import { PageScreen } from '../components/Screen.js';
import { DevicesSection } from './security/DevicesSection.js';
import { TotpSection } from './security/TotpSection.js';

/**
 * The second factor and the signed-in devices. Each section is a component
 * of its own, with its own queries: a new one (passkeys) is one more line here.
 */
export function SecurityScreen() {
  return (
    <PageScreen titleId="security-title" title="Security" description="How you sign in, and where you are signed in.">
      <TotpSection />
      <DevicesSection />
    </PageScreen>
  );
}
