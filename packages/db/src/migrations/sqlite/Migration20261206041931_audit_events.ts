import { Migration } from '@mikro-orm/migrations';

export class Migration20261206041931_audit_events extends Migration {

  override name = 'Migration20261206041931_audit_events';

  override up(): void | Promise<void> {
    this.addSql(`create table \`audit_events\` (\`id\` text not null primary key, \`at\` datetime not null, \`type\` text not null, \`user_id\` text null, \`actor_id\` text null, \`client_address\` text null, \`user_agent\` text null, \`request_id\` text null, \`details\` text not null);`);
    this.addSql(`create index \`audit_events_at_index\` on \`audit_events\` (\`at\`);`);
    this.addSql(`create index \`audit_events_user_id_index\` on \`audit_events\` (\`user_id\`);`);
  }

  override down(): void | Promise<void> {
    this.addSql(`drop table if exists \`audit_events\`;`);
  }

}
