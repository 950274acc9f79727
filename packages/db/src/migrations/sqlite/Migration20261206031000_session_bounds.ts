import { Migration } from '@mikro-orm/migrations';

export class Migration20261206031000_session_bounds extends Migration {

  override name = 'Migration20261206031000_session_bounds';

  override up(): void | Promise<void> {
    this.addSql(`pragma foreign_keys = off;`);
    this.addSql(`create table \`sessions__temp_alter\` (\`id\` text not null primary key, \`user_id\` text not null, \`refresh_token_id\` text not null, \`previous_refresh_token_id\` text null, \`rotated_at\` datetime null, \`expires_at\` datetime not null, \`created_at\` datetime not null, \`last_used_at\` datetime not null, \`revoked_at\` datetime null, \`revoked_reason\` text check (\`revoked_reason\` in ('logout', 'logout_all', 'password_change', 'refresh_reuse', 'user_disabled', 'session_limit')) null, constraint \`sessions_user_id_foreign\` foreign key (\`user_id\`) references \`users\` (\`id\`) on update cascade on delete cascade);`);
    this.addSql(`insert into \`sessions__temp_alter\` select \`id\`, \`user_id\`, \`refresh_token_id\`, null as \`previous_refresh_token_id\`, null as \`rotated_at\`, \`expires_at\`, \`created_at\`, \`last_used_at\`, \`revoked_at\`, \`revoked_reason\` from \`sessions\`;`);
    this.addSql(`drop table \`sessions\`;`);
    this.addSql(`alter table \`sessions__temp_alter\` rename to \`sessions\`;`);
    this.addSql(`create index \`sessions_user_id_index\` on \`sessions\` (\`user_id\`);`);
    this.addSql(`create index \`sessions_expires_at_index\` on \`sessions\` (\`expires_at\`);`);
    this.addSql(`pragma foreign_keys = on;`);
  }

  override down(): void | Promise<void> {
    this.addSql(`pragma foreign_keys = off;`);
    this.addSql(`create table \`sessions__temp_alter\` (\`id\` TEXT not null primary key, \`user_id\` TEXT not null, \`refresh_token_id\` TEXT not null, \`expires_at\` datetime not null, \`created_at\` datetime not null, \`last_used_at\` datetime not null, \`revoked_at\` datetime null, \`revoked_reason\` TEXT check (\`revoked_reason\` in ('logout', 'logout_all', 'password_change', 'refresh_reuse', 'user_disabled')) null, constraint \`sessions_user_id_foreign\` foreign key (\`user_id\`) references \`users\` (\`id\`) on update cascade on delete cascade);`);
    this.addSql(`insert into \`sessions__temp_alter\` select \`id\`, \`user_id\`, \`refresh_token_id\`, \`expires_at\`, \`created_at\`, \`last_used_at\`, \`revoked_at\`, case \`revoked_reason\` when 'session_limit' then 'logout' else \`revoked_reason\` end from \`sessions\`;`);
    this.addSql(`drop table \`sessions\`;`);
    this.addSql(`alter table \`sessions__temp_alter\` rename to \`sessions\`;`);
    this.addSql(`create index \`sessions_user_id_index\` on \`sessions\` (\`user_id\`);`);
    this.addSql(`pragma foreign_keys = on;`);
  }

}
