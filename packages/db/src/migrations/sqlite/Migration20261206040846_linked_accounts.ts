import { Migration } from '@mikro-orm/migrations';

/** Identity providers: accounts linked by (provider, subject), and the short-lived tickets of the sign-in flow. */

export class Migration20261206040846_linked_accounts extends Migration {

  override name = 'Migration20261206040846_linked_accounts';

  override up(): void | Promise<void> {
    this.addSql(`create table \`oidc_tickets\` (\`id\` text not null primary key, \`secret_hash\` text not null, \`purpose\` text not null, \`provider\` text not null, \`user_id\` text null, \`state\` text null, \`nonce\` text null, \`code_verifier\` text null, \`redirect_uri\` text null, \`expires_at\` datetime not null, \`used_at\` datetime null, \`created_at\` datetime not null, constraint \`oidc_tickets_user_id_foreign\` foreign key (\`user_id\`) references \`users\` (\`id\`) on update cascade on delete cascade);`);
    this.addSql(`create unique index \`oidc_tickets_secret_hash_unique\` on \`oidc_tickets\` (\`secret_hash\`);`);
    this.addSql(`create index \`oidc_tickets_user_id_index\` on \`oidc_tickets\` (\`user_id\`);`);

    this.addSql(`create table \`linked_accounts\` (\`id\` text not null primary key, \`user_id\` text not null, \`provider\` text not null, \`subject\` text not null, \`email\` text null, \`created_at\` datetime not null, constraint \`linked_accounts_user_id_foreign\` foreign key (\`user_id\`) references \`users\` (\`id\`) on update cascade on delete cascade);`);
    this.addSql(`create index \`linked_accounts_user_id_index\` on \`linked_accounts\` (\`user_id\`);`);
    this.addSql(`create unique index \`linked_accounts_provider_subject_unique\` on \`linked_accounts\` (\`provider\`, \`subject\`);`);
    this.addSql(`create unique index \`linked_accounts_user_provider_unique\` on \`linked_accounts\` (\`user_id\`, \`provider\`);`);
  }

  override down(): void | Promise<void> {
    this.addSql(`drop table if exists \`oidc_tickets\`;`);
    this.addSql(`drop table if exists \`linked_accounts\`;`);
  }

}
