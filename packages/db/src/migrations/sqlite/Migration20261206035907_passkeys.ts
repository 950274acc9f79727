import { Migration } from '@mikro-orm/migrations';

export class Migration20261206035907_passkeys extends Migration {

  override name = 'Migration20261206035907_passkeys';

  override up(): void | Promise<void> {
    this.addSql(`create table \`passkeys\` (\`id\` text not null primary key, \`user_id\` text not null, \`credential_id\` text not null, \`public_key\` text not null, \`counter\` bigint not null, \`transports\` text not null, \`name\` text not null, \`created_at\` datetime not null, \`last_used_at\` datetime null, constraint \`passkeys_user_id_foreign\` foreign key (\`user_id\`) references \`users\` (\`id\`) on update cascade on delete cascade);`);
    this.addSql(`create index \`passkeys_user_id_index\` on \`passkeys\` (\`user_id\`);`);
    this.addSql(`create unique index \`passkeys_credential_id_unique\` on \`passkeys\` (\`credential_id\`);`);

    this.addSql(`create table \`webauthn_challenges\` (\`id\` text not null primary key, \`challenge\` text not null, \`purpose\` text check (\`purpose\` in ('registration', 'authentication')) not null, \`user_id\` text null, \`expires_at\` datetime not null, \`created_at\` datetime not null, constraint \`webauthn_challenges_user_id_foreign\` foreign key (\`user_id\`) references \`users\` (\`id\`) on update cascade on delete cascade);`);
    this.addSql(`create unique index \`webauthn_challenges_challenge_unique\` on \`webauthn_challenges\` (\`challenge\`);`);
    this.addSql(`create index \`webauthn_challenges_user_id_index\` on \`webauthn_challenges\` (\`user_id\`);`);
    this.addSql(`create index \`webauthn_challenges_expires_at_index\` on \`webauthn_challenges\` (\`expires_at\`);`);
  }

  override down(): void | Promise<void> {
    this.addSql(`drop table if exists \`passkeys\`;`);
    this.addSql(`drop table if exists \`webauthn_challenges\`;`);
  }

}
