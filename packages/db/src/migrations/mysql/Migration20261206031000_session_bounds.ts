import { Migration } from '@mikro-orm/migrations';

export class Migration20261206031000_session_bounds extends Migration {

  override name = 'Migration20261206031000_session_bounds';

  override up(): void | Promise<void> {
    this.addSql(`alter table \`sessions\` add \`previous_refresh_token_id\` varchar(36) null, add \`rotated_at\` datetime(3) null;`);
    this.addSql(`alter table \`sessions\` modify \`revoked_reason\` enum('logout','logout_all','password_change','refresh_reuse','user_disabled','session_limit') null;`);
    this.addSql(`alter table \`sessions\` add index \`sessions_expires_at_index\` (\`expires_at\`);`);
  }

  override down(): void | Promise<void> {
    this.addSql(`alter table \`sessions\` drop index \`sessions_expires_at_index\`;`);
    this.addSql(`alter table \`sessions\` drop column \`previous_refresh_token_id\`, drop column \`rotated_at\`;`);
    this.addSql(`update \`sessions\` set \`revoked_reason\` = 'logout' where \`revoked_reason\` = 'session_limit';`);
    this.addSql(`alter table \`sessions\` modify \`revoked_reason\` enum('logout','logout_all','password_change','refresh_reuse','user_disabled') null;`);
  }

}
