import { Migration } from '@mikro-orm/migrations';

export class Migration20261126103243_initial extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create table \`users\` (\`id\` varchar(36) not null, \`username\` varchar(40) not null, \`username_key\` varchar(40) not null, \`password_hash\` varchar(60) not null, \`role\` enum('user', 'admin') not null default 'user', \`created_at\` datetime(3) not null, \`updated_at\` datetime(3) not null, \`password_changed_at\` datetime(3) null, primary key (\`id\`)) default character set utf8mb4 engine = InnoDB;`);
    this.addSql(`alter table \`users\` add unique \`users_username_key_unique\`(\`username_key\`);`);

    this.addSql(`create table \`sessions\` (\`id\` varchar(36) not null, \`user_id\` varchar(36) not null, \`refresh_token_id\` varchar(36) not null, \`expires_at\` datetime(3) not null, \`created_at\` datetime(3) not null, \`last_used_at\` datetime(3) not null, \`revoked_at\` datetime(3) null, \`revoked_reason\` enum('logout', 'logout_all', 'password_change', 'refresh_reuse') null, primary key (\`id\`)) default character set utf8mb4 engine = InnoDB;`);
    this.addSql(`alter table \`sessions\` add index \`sessions_user_id_index\`(\`user_id\`);`);

    this.addSql(`alter table \`sessions\` add constraint \`sessions_user_id_foreign\` foreign key (\`user_id\`) references \`users\` (\`id\`) on update cascade on delete cascade;`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table \`sessions\` drop foreign key \`sessions_user_id_foreign\`;`);

    this.addSql(`drop table if exists \`users\`;`);

    this.addSql(`drop table if exists \`sessions\`;`);
  }

}
