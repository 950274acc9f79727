import { PasskeysSection } from '../components/PasskeysSection.js';
import { PageScreen } from '../components/Screen.js';
import { SecurityActivitySection } from '../components/SecurityActivitySection.js';

/** How the account is protected: its passkeys, and what happened to it lately. */
export function SecurityScreen() {
  return (
    <PageScreen
      titleId="security-title"
      title="Security"
      description="The ways you sign in to your account, and its recent activity."
    >
      <PasskeysSection />
      <SecurityActivitySection />
    </PageScreen>
  );
}
