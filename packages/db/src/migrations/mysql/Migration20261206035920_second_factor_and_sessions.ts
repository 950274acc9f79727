import { Migration } from '@mikro-orm/migrations';

/**
 * The second factor (TOTP credentials, recovery codes, the challenges of
 * sign-ins waiting for their code) and the user agent each session shows in
 * the list of sessions. New tables and a nullable column: every stored user
 * and session keeps working as it was.
 */
export class Migration20261206035920_second_factor_and_sessions extends Migration {

  override name = 'Migration20261206035920_second_factor_and_sessions';

  override up(): void | Promise<void> {
    this.addSql(`create table \`totp_credentials\` (\`id\` varchar(36) not null, \`user_id\` varchar(36) not null, \`encrypted_secret\` varchar(255) not null, \`confirmed_at\` datetime(3) null, \`last_used_step\` int null, \`created_at\` datetime(3) not null, primary key (\`id\`)) default character set utf8mb4 engine = InnoDB;`);
    this.addSql(`alter table \`totp_credentials\` add index \`totp_credentials_user_id_index\` (\`user_id\`);`);
    this.addSql(`alter table \`totp_credentials\` add unique \`totp_credentials_user_id_unique\` (\`user_id\`);`);

    this.addSql(`create table \`recovery_codes\` (\`id\` varchar(36) not null, \`user_id\` varchar(36) not null, \`code_hash\` varchar(64) not null, \`used_at\` datetime(3) null, \`created_at\` datetime(3) not null, primary key (\`id\`)) default character set utf8mb4 engine = InnoDB;`);
    this.addSql(`alter table \`recovery_codes\` add index \`recovery_codes_user_id_index\` (\`user_id\`);`);
    this.addSql(`alter table \`recovery_codes\` add unique \`recovery_codes_code_hash_unique\` (\`code_hash\`);`);

    this.addSql(`create table \`mfa_challenges\` (\`id\` varchar(36) not null, \`user_id\` varchar(36) not null, \`token_hash\` varchar(64) not null, \`attempts\` int not null default 0, \`expires_at\` datetime(3) not null, \`used_at\` datetime(3) null, \`created_at\` datetime(3) not null, primary key (\`id\`)) default character set utf8mb4 engine = InnoDB;`);
    this.addSql(`alter table \`mfa_challenges\` add index \`mfa_challenges_user_id_index\` (\`user_id\`);`);
    this.addSql(`alter table \`mfa_challenges\` add unique \`mfa_challenges_token_hash_unique\` (\`token_hash\`);`);
    this.addSql(`alter table \`mfa_challenges\` add index \`mfa_challenges_expires_at_index\` (\`expires_at\`);`);

    this.addSql(`alter table \`sessions\` add \`user_agent\` varchar(255) null;`);
    this.addSql(`alter table \`sessions\` modify \`revoked_reason\` enum('logout','logout_all','password_change','refresh_reuse','user_disabled','session_limit','revoked_by_user') null;`);

    this.addSql(`alter table \`totp_credentials\` add constraint \`totp_credentials_user_id_foreign\` foreign key (\`user_id\`) references \`users\` (\`id\`) on update cascade on delete cascade;`);

    this.addSql(`alter table \`recovery_codes\` add constraint \`recovery_codes_user_id_foreign\` foreign key (\`user_id\`) references \`users\` (\`id\`) on update cascade on delete cascade;`);

    this.addSql(`alter table \`mfa_challenges\` add constraint \`mfa_challenges_user_id_foreign\` foreign key (\`user_id\`) references \`users\` (\`id\`) on update cascade on delete cascade;`);
  }

  override down(): void | Promise<void> {
    this.addSql(`drop table if exists \`totp_credentials\`;`);
    this.addSql(`drop table if exists \`recovery_codes\`;`);
    this.addSql(`drop table if exists \`mfa_challenges\`;`);

    this.addSql(`update \`sessions\` set \`revoked_reason\` = 'logout' where \`revoked_reason\` = 'revoked_by_user';`);
    this.addSql(`alter table \`sessions\` drop column \`user_agent\`;`);
    this.addSql(`alter table \`sessions\` modify \`revoked_reason\` enum('logout','logout_all','password_change','refresh_reuse','user_disabled','session_limit') null;`);

  }

}
