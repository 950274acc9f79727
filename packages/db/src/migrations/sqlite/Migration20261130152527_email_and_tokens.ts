import { Migration } from '@mikro-orm/migrations';

export class Migration20261130152527_email_and_tokens extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create table \`one_time_tokens\` (\`id\` text not null, \`user_id\` text not null, \`purpose\` text check (\`purpose\` in ('verify_email', 'reset_password')) not null, \`token_hash\` text not null, \`email\` text null, \`expires_at\` datetime not null, \`used_at\` datetime null, \`created_at\` datetime not null, constraint \`one_time_tokens_user_id_foreign\` foreign key(\`user_id\`) references \`users\`(\`id\`) on delete cascade on update cascade, primary key (\`id\`));`);
    this.addSql(`create index \`one_time_tokens_user_id_index\` on \`one_time_tokens\` (\`user_id\`);`);
    this.addSql(`create unique index \`one_time_tokens_token_hash_unique\` on \`one_time_tokens\` (\`token_hash\`);`);
    this.addSql(`create unique index \`one_time_tokens_user_purpose_unique\` on \`one_time_tokens\` (\`user_id\`, \`purpose\`);`);

    this.addSql(`alter table \`users\` add column \`email\` text null;`);
    this.addSql(`alter table \`users\` add column \`email_key\` text null;`);
    this.addSql(`alter table \`users\` add column \`email_verified_at\` datetime null;`);
    this.addSql(`create unique index \`users_email_key_unique\` on \`users\` (\`email_key\`);`);
  }

}
