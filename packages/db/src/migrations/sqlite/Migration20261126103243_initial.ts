import { Migration } from '@mikro-orm/migrations';

export class Migration20261126103243_initial extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create table \`users\` (\`id\` text not null, \`username\` text not null, \`username_key\` text not null, \`password_hash\` text not null, \`role\` text check (\`role\` in ('user', 'admin')) not null default 'user', \`created_at\` datetime not null, \`updated_at\` datetime not null, \`password_changed_at\` datetime null, primary key (\`id\`));`);
    this.addSql(`create unique index \`users_username_key_unique\` on \`users\` (\`username_key\`);`);

    this.addSql(`create table \`sessions\` (\`id\` text not null, \`user_id\` text not null, \`refresh_token_id\` text not null, \`expires_at\` datetime not null, \`created_at\` datetime not null, \`last_used_at\` datetime not null, \`revoked_at\` datetime null, \`revoked_reason\` text check (\`revoked_reason\` in ('logout', 'logout_all', 'password_change', 'refresh_reuse')) null, constraint \`sessions_user_id_foreign\` foreign key(\`user_id\`) references \`users\`(\`id\`) on delete cascade on update cascade, primary key (\`id\`));`);
    this.addSql(`create index \`sessions_user_id_index\` on \`sessions\` (\`user_id\`);`);
  }

}
