import { Migration } from '@mikro-orm/migrations';

export class Migration20261130153653_disable_users extends Migration {

  override async up(): Promise<void> {
    this.addSql(`alter table \`users\` add \`disabled_at\` datetime(3) null;`);

    this.addSql(`alter table \`sessions\` modify \`revoked_reason\` enum('logout', 'logout_all', 'password_change', 'refresh_reuse', 'user_disabled') null;`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table \`sessions\` modify \`revoked_reason\` enum('logout', 'logout_all', 'password_change', 'refresh_reuse') null;`);

    this.addSql(`alter table \`users\` drop column \`disabled_at\`;`);
  }

}
