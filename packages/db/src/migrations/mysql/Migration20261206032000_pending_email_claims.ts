import { raw } from '@mikro-orm/core';
import { Migration } from '@mikro-orm/migrations';

/**
 * An address is claimed only by following its link: `users.email` (unique)
 * keeps verified addresses only, and an unverified one becomes a pending claim
 * on the user's verification token row, which blocks nobody. A live link for
 * that very address keeps working; otherwise the claim gets a token hash no
 * link can match (it has a `-`), for 24 hours: the user can send a new link.
 * Reset tokens remember the verified address they were sent to.
 */
export class Migration20261206032000_pending_email_claims extends Migration {

  override async up(): Promise<void> {
    const platform = this.driver.getPlatform();
    const now = platform.processDateProperty(new Date());
    const claimEnds = platform.processDateProperty(new Date(Date.now() + 24 * 3_600_000));

    this.addSql(`update \`one_time_tokens\` t left join \`users\` u on u.\`id\` = t.\`user_id\` and u.\`email_verified_at\` is not null set t.\`email\` = u.\`email\` where t.\`purpose\` = 'reset_password';`);
    this.addSql(raw(`update \`one_time_tokens\` t join \`users\` u on u.\`id\` = t.\`user_id\` set t.\`token_hash\` = concat('-', substr(sha2(t.\`id\`, 256), 2)), t.\`email\` = u.\`email\`, t.\`expires_at\` = ?, t.\`used_at\` = null, t.\`created_at\` = ? where t.\`purpose\` = 'verify_email' and u.\`email\` is not null and u.\`email_verified_at\` is null and not (t.\`used_at\` is null and t.\`expires_at\` > ? and t.\`email\` is not null and t.\`email\` = u.\`email\`);`, [claimEnds, now, now]));
    this.addSql(raw(`insert into \`one_time_tokens\` (\`id\`, \`user_id\`, \`purpose\`, \`token_hash\`, \`email\`, \`expires_at\`, \`used_at\`, \`created_at\`) select uuid(), u.\`id\`, 'verify_email', concat('-', substr(sha2(u.\`id\`, 256), 2)), u.\`email\`, ?, null, ? from \`users\` u where u.\`email\` is not null and u.\`email_verified_at\` is null and not exists (select 1 from \`one_time_tokens\` t where t.\`user_id\` = u.\`id\` and t.\`purpose\` = 'verify_email');`, [claimEnds, now]));
    this.addSql(`update \`users\` set \`email\` = null, \`email_key\` = null where \`email_verified_at\` is null;`);
  }

  override async down(): Promise<void> {
    // Data only, and the schema is unchanged: the previous release reads these
    // rows as users without an address. Nothing to undo.
  }

}
