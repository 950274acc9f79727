import { Migration } from '@mikro-orm/migrations';

export class Migration20261130152535_email_and_tokens extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create table \`one_time_tokens\` (\`id\` varchar(36) not null, \`user_id\` varchar(36) not null, \`purpose\` enum('verify_email', 'reset_password') not null, \`token_hash\` varchar(64) not null, \`email\` varchar(254) null, \`expires_at\` datetime(3) not null, \`used_at\` datetime(3) null, \`created_at\` datetime(3) not null, primary key (\`id\`)) default character set utf8mb4 engine = InnoDB;`);
    this.addSql(`alter table \`one_time_tokens\` add index \`one_time_tokens_user_id_index\`(\`user_id\`);`);
    this.addSql(`alter table \`one_time_tokens\` add unique \`one_time_tokens_token_hash_unique\`(\`token_hash\`);`);
    this.addSql(`alter table \`one_time_tokens\` add unique \`one_time_tokens_user_purpose_unique\`(\`user_id\`, \`purpose\`);`);

    this.addSql(`alter table \`one_time_tokens\` add constraint \`one_time_tokens_user_id_foreign\` foreign key (\`user_id\`) references \`users\` (\`id\`) on update cascade on delete cascade;`);

    this.addSql(`alter table \`users\` add \`email\` varchar(254) null, add \`email_key\` varchar(254) null, add \`email_verified_at\` datetime(3) null;`);
    this.addSql(`alter table \`users\` add unique \`users_email_key_unique\`(\`email_key\`);`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists \`one_time_tokens\`;`);

    this.addSql(`alter table \`users\` drop index \`users_email_key_unique\`;`);
    this.addSql(`alter table \`users\` drop column \`email\`, drop column \`email_key\`, drop column \`email_verified_at\`;`);
  }

}
