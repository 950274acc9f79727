import { Migration } from '@mikro-orm/migrations';

export class Migration20261206041931_audit_events extends Migration {

  override name = 'Migration20261206041931_audit_events';

  override up(): void | Promise<void> {
    this.addSql(`create table \`audit_events\` (\`id\` varchar(36) not null, \`at\` datetime(3) not null, \`type\` varchar(64) not null, \`user_id\` varchar(36) null, \`actor_id\` varchar(36) null, \`client_address\` varchar(64) null, \`user_agent\` varchar(256) null, \`request_id\` varchar(128) null, \`details\` text not null, primary key (\`id\`)) default character set utf8mb4 engine = InnoDB;`);
    this.addSql(`alter table \`audit_events\` add index \`audit_events_at_index\` (\`at\`);`);
    this.addSql(`alter table \`audit_events\` add index \`audit_events_user_id_index\` (\`user_id\`);`);
  }

  override down(): void | Promise<void> {
    this.addSql(`drop table if exists \`audit_events\`;`);
  }

}
