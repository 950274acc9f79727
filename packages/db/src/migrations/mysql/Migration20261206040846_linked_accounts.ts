import { Migration } from '@mikro-orm/migrations';

/** Identity providers: accounts linked by (provider, subject), and the short-lived tickets of the sign-in flow. */
export class Migration20261206040846_linked_accounts extends Migration {

  override name = 'Migration20261206040846_linked_accounts';

  override up(): void | Promise<void> {
    this.addSql(`create table \`oidc_tickets\` (\`id\` varchar(36) not null, \`secret_hash\` varchar(64) not null, \`purpose\` varchar(16) not null, \`provider\` varchar(40) not null, \`user_id\` varchar(36) null, \`state\` varchar(128) null, \`nonce\` varchar(128) null, \`code_verifier\` varchar(128) null, \`redirect_uri\` varchar(2048) null, \`expires_at\` datetime(3) not null, \`used_at\` datetime(3) null, \`created_at\` datetime(3) not null, primary key (\`id\`)) default character set utf8mb4 engine = InnoDB;`);
    this.addSql(`alter table \`oidc_tickets\` add unique \`oidc_tickets_secret_hash_unique\` (\`secret_hash\`);`);
    this.addSql(`alter table \`oidc_tickets\` add index \`oidc_tickets_user_id_index\` (\`user_id\`);`);

    this.addSql(`create table \`linked_accounts\` (\`id\` varchar(36) not null, \`user_id\` varchar(36) not null, \`provider\` varchar(40) not null, \`subject\` varchar(255) not null, \`email\` varchar(254) null, \`created_at\` datetime(3) not null, primary key (\`id\`)) default character set utf8mb4 engine = InnoDB;`);
    this.addSql(`alter table \`linked_accounts\` add index \`linked_accounts_user_id_index\` (\`user_id\`);`);
    this.addSql(`alter table \`linked_accounts\` add unique \`linked_accounts_provider_subject_unique\` (\`provider\`, \`subject\`);`);
    this.addSql(`alter table \`linked_accounts\` add unique \`linked_accounts_user_provider_unique\` (\`user_id\`, \`provider\`);`);

    this.addSql(`alter table \`oidc_tickets\` add constraint \`oidc_tickets_user_id_foreign\` foreign key (\`user_id\`) references \`users\` (\`id\`) on update cascade on delete cascade;`);

    this.addSql(`alter table \`linked_accounts\` add constraint \`linked_accounts_user_id_foreign\` foreign key (\`user_id\`) references \`users\` (\`id\`) on update cascade on delete cascade;`);
  }

  override down(): void | Promise<void> {
    this.addSql(`drop table if exists \`oidc_tickets\`;`);
    this.addSql(`drop table if exists \`linked_accounts\`;`);

  }

}
