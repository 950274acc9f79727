import { Migration } from '@mikro-orm/migrations';

/**
 * The second factor (TOTP credentials, recovery codes, the challenges of
 * sign-ins waiting for their code) and the user agent each session shows in
 * the list of sessions. SQLite cannot change a check constraint in place
 * (the new revoke reason), so `sessions` is rebuilt with its rows.
 */
export class Migration20261206035920_second_factor_and_sessions extends Migration {

  override name = 'Migration20261206035920_second_factor_and_sessions';

  override up(): void | Promise<void> {
    this.addSql(`create table \`totp_credentials\` (\`id\` text not null primary key, \`user_id\` text not null, \`encrypted_secret\` text not null, \`confirmed_at\` datetime null, \`last_used_step\` integer null, \`created_at\` datetime not null, constraint \`totp_credentials_user_id_foreign\` foreign key (\`user_id\`) references \`users\` (\`id\`) on update cascade on delete cascade);`);
    this.addSql(`create index \`totp_credentials_user_id_index\` on \`totp_credentials\` (\`user_id\`);`);
    this.addSql(`create unique index \`totp_credentials_user_id_unique\` on \`totp_credentials\` (\`user_id\`);`);

    this.addSql(`create table \`recovery_codes\` (\`id\` text not null primary key, \`user_id\` text not null, \`code_hash\` text not null, \`used_at\` datetime null, \`created_at\` datetime not null, constraint \`recovery_codes_user_id_foreign\` foreign key (\`user_id\`) references \`users\` (\`id\`) on update cascade on delete cascade);`);
    this.addSql(`create index \`recovery_codes_user_id_index\` on \`recovery_codes\` (\`user_id\`);`);
    this.addSql(`create unique index \`recovery_codes_code_hash_unique\` on \`recovery_codes\` (\`code_hash\`);`);

    this.addSql(`create table \`mfa_challenges\` (\`id\` text not null primary key, \`user_id\` text not null, \`token_hash\` text not null, \`attempts\` integer not null default 0, \`expires_at\` datetime not null, \`used_at\` datetime null, \`created_at\` datetime not null, constraint \`mfa_challenges_user_id_foreign\` foreign key (\`user_id\`) references \`users\` (\`id\`) on update cascade on delete cascade);`);
    this.addSql(`create index \`mfa_challenges_user_id_index\` on \`mfa_challenges\` (\`user_id\`);`);
    this.addSql(`create unique index \`mfa_challenges_token_hash_unique\` on \`mfa_challenges\` (\`token_hash\`);`);
    this.addSql(`create index \`mfa_challenges_expires_at_index\` on \`mfa_challenges\` (\`expires_at\`);`);

    this.addSql(`pragma foreign_keys = off;`);
    this.addSql(`create table \`sessions__temp_alter\` (\`id\` text not null primary key, \`user_id\` text not null, \`refresh_token_id\` text not null, \`previous_refresh_token_id\` text null, \`rotated_at\` datetime null, \`expires_at\` datetime not null, \`created_at\` datetime not null, \`last_used_at\` datetime not null, \`revoked_at\` datetime null, \`revoked_reason\` text check (\`revoked_reason\` in ('logout', 'logout_all', 'password_change', 'refresh_reuse', 'user_disabled', 'session_limit', 'revoked_by_user')) null, \`user_agent\` text null, constraint \`sessions_user_id_foreign\` foreign key (\`user_id\`) references \`users\` (\`id\`) on update cascade on delete cascade);`);
    this.addSql(`insert into \`sessions__temp_alter\` select \`id\`, \`user_id\`, \`refresh_token_id\`, \`previous_refresh_token_id\`, \`rotated_at\`, \`expires_at\`, \`created_at\`, \`last_used_at\`, \`revoked_at\`, \`revoked_reason\`, null as \`user_agent\` from \`sessions\`;`);
    this.addSql(`drop table \`sessions\`;`);
    this.addSql(`alter table \`sessions__temp_alter\` rename to \`sessions\`;`);
    this.addSql(`create index \`sessions_user_id_index\` on \`sessions\` (\`user_id\`);`);
    this.addSql(`create index \`sessions_expires_at_index\` on \`sessions\` (\`expires_at\`);`);
    this.addSql(`pragma foreign_keys = on;`);
  }

  override down(): void | Promise<void> {
    this.addSql(`drop table if exists \`totp_credentials\`;`);
    this.addSql(`drop table if exists \`recovery_codes\`;`);
    this.addSql(`drop table if exists \`mfa_challenges\`;`);

    this.addSql(`pragma foreign_keys = off;`);
    this.addSql(`create table \`sessions__temp_alter\` (\`id\` TEXT not null primary key, \`user_id\` TEXT not null, \`refresh_token_id\` TEXT not null, \`previous_refresh_token_id\` TEXT null, \`rotated_at\` datetime null, \`expires_at\` datetime not null, \`created_at\` datetime not null, \`last_used_at\` datetime not null, \`revoked_at\` datetime null, \`revoked_reason\` TEXT check (\`revoked_reason\` in ('logout', 'logout_all', 'password_change', 'refresh_reuse', 'user_disabled', 'session_limit')) null, constraint \`sessions_user_id_foreign\` foreign key (\`user_id\`) references \`users\` (\`id\`) on update cascade on delete cascade);`);
    this.addSql(`insert into \`sessions__temp_alter\` select \`id\`, \`user_id\`, \`refresh_token_id\`, \`previous_refresh_token_id\`, \`rotated_at\`, \`expires_at\`, \`created_at\`, \`last_used_at\`, \`revoked_at\`, case \`revoked_reason\` when 'revoked_by_user' then 'logout' else \`revoked_reason\` end from \`sessions\`;`);
    this.addSql(`drop table \`sessions\`;`);
    this.addSql(`alter table \`sessions__temp_alter\` rename to \`sessions\`;`);
    this.addSql(`create index \`sessions_expires_at_index\` on \`sessions\` (\`expires_at\`);`);
    this.addSql(`create index \`sessions_user_id_index\` on \`sessions\` (\`user_id\`);`);
    this.addSql(`pragma foreign_keys = on;`);
  }

}
