/**
 * Where one-time codes and links go: the email address check, and the masked form of a phone
 * number or address shown back to the user (enough to recognise it, not to reuse it). Shared by
 * sms.otp, email.otp, email.link and challenge.
 */

// Pragmatic address check (RFC 5322 is broader than any mailbox really used): local@domain.tld.
export const EMAIL = /^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$/;

/** "+14155550123" → "+14•••••0123". */
export function maskPhone(e164: string): string {
  const visible = e164.slice(-4);
  const country = e164.slice(0, Math.min(3, e164.length - 4));
  return `${country}${'•'.repeat(Math.max(0, e164.length - country.length - 4))}${visible}`;
}

/** "alice@example.com" → "a••••@example.com". */
export function maskEmail(address: string): string {
  const [local, domain] = address.split('@');
  return `${local[0]}${'•'.repeat(Math.max(1, local.length - 1))}@${domain}`;
}
