import { Migration } from '@mikro-orm/migrations';

export class Migration20261130153653_disable_users extends Migration {

  override async up(): Promise<void> {
    this.addSql(`alter table \`users\` add column \`disabled_at\` datetime null;`);

    this.addSql(`pragma foreign_keys = off;`);
    this.addSql(`create table \`sessions__temp_alter\` (\`id\` text not null, \`user_id\` text not null, \`refresh_token_id\` text not null, \`expires_at\` datetime not null, \`created_at\` datetime not null, \`last_used_at\` datetime not null, \`revoked_at\` datetime null, \`revoked_reason\` text check (\`revoked_reason\` in ('logout', 'logout_all', 'password_change', 'refresh_reuse', 'user_disabled')) null, constraint \`sessions_user_id_foreign\` foreign key(\`user_id\`) references \`users\`(\`id\`) on delete cascade on update cascade, primary key (\`id\`));`);
    this.addSql(`insert into \`sessions__temp_alter\` select \`id\`, \`user_id\`, \`refresh_token_id\`, \`expires_at\`, \`created_at\`, \`last_used_at\`, \`revoked_at\`, \`revoked_reason\` from \`sessions\`;`);
    this.addSql(`drop table \`sessions\`;`);
    this.addSql(`alter table \`sessions__temp_alter\` rename to \`sessions\`;`);
    this.addSql(`create index \`sessions_user_id_index\` on \`sessions\` (\`user_id\`);`);
    this.addSql(`pragma foreign_keys = on;`);
  }

}
