import { Migration } from '@mikro-orm/migrations';

export class Migration20261206035907_passkeys extends Migration {

  override name = 'Migration20261206035907_passkeys';

  override up(): void | Promise<void> {
    this.addSql(`create table \`passkeys\` (\`id\` varchar(36) not null, \`user_id\` varchar(36) not null, \`credential_id\` varchar(512) not null, \`public_key\` text not null, \`counter\` bigint not null, \`transports\` text not null, \`name\` varchar(64) not null, \`created_at\` datetime(3) not null, \`last_used_at\` datetime(3) null, primary key (\`id\`)) default character set utf8mb4 engine = InnoDB;`);
    this.addSql(`alter table \`passkeys\` add index \`passkeys_user_id_index\` (\`user_id\`);`);
    this.addSql(`alter table \`passkeys\` add unique \`passkeys_credential_id_unique\` (\`credential_id\`);`);

    this.addSql(`create table \`webauthn_challenges\` (\`id\` varchar(36) not null, \`challenge\` varchar(128) not null, \`purpose\` enum('registration','authentication') not null, \`user_id\` varchar(36) null, \`expires_at\` datetime(3) not null, \`created_at\` datetime(3) not null, primary key (\`id\`)) default character set utf8mb4 engine = InnoDB;`);
    this.addSql(`alter table \`webauthn_challenges\` add unique \`webauthn_challenges_challenge_unique\` (\`challenge\`);`);
    this.addSql(`alter table \`webauthn_challenges\` add index \`webauthn_challenges_user_id_index\` (\`user_id\`);`);
    this.addSql(`alter table \`webauthn_challenges\` add index \`webauthn_challenges_expires_at_index\` (\`expires_at\`);`);

    this.addSql(`alter table \`passkeys\` add constraint \`passkeys_user_id_foreign\` foreign key (\`user_id\`) references \`users\` (\`id\`) on update cascade on delete cascade;`);

    this.addSql(`alter table \`webauthn_challenges\` add constraint \`webauthn_challenges_user_id_foreign\` foreign key (\`user_id\`) references \`users\` (\`id\`) on update cascade on delete cascade;`);
  }

  override down(): void | Promise<void> {
    this.addSql(`drop table if exists \`passkeys\`;`);
    this.addSql(`drop table if exists \`webauthn_challenges\`;`);
  }

}
