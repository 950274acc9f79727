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
    const unverified = 'select id from `users` where `email` is not null and `email_verified_at` is null';
    const emailOfOwner = '(select u.`email` from `users` u where u.`id` = `one_time_tokens`.`user_id`)';

    this.addSql(raw(`update \`one_time_tokens\` set \`email\` = (select u.\`email\` from \`users\` u where u.\`id\` = \`one_time_tokens\`.\`user_id\` and u.\`email_verified_at\` is not null) where \`purpose\` = 'reset_password';`));
    this.addSql(raw(`update \`one_time_tokens\` set \`token_hash\` = '-' || substr(lower(hex(randomblob(32))), 2), \`email\` = ${emailOfOwner}, \`expires_at\` = ?, \`used_at\` = null, \`created_at\` = ? where \`purpose\` = 'verify_email' and \`user_id\` in (${unverified}) and not (\`used_at\` is null and \`expires_at\` > ? and \`email\` is not null and \`email\` = ${emailOfOwner});`, [claimEnds, now, now]));
    this.addSql(raw(`insert into \`one_time_tokens\` (\`id\`, \`user_id\`, \`purpose\`, \`token_hash\`, \`email\`, \`expires_at\`, \`used_at\`, \`created_at\`) select lower(hex(randomblob(18))), u.\`id\`, 'verify_email', '-' || substr(lower(hex(randomblob(32))), 2), u.\`email\`, ?, null, ? from \`users\` u where u.\`id\` in (${unverified}) and not exists (select 1 from \`one_time_tokens\` t where t.\`user_id\` = u.\`id\` and t.\`purpose\` = 'verify_email');`, [claimEnds, now]));
    this.addSql(`update \`users\` set \`email\` = null, \`email_key\` = null where \`email_verified_at\` is null;`);
  }

}
