// Status groups as SQL lists, as Twilio defines them (shared/twilio-facts.md): a message is final
// once delivered, undelivered, failed, canceled or read; until then it is pending.
export const DELIVERED = `('delivered', 'read')`;
export const FAILED = `('failed', 'undelivered')`;
export const FINAL_OUTBOUND = `('delivered', 'read', 'failed', 'undelivered', 'canceled')`;
export const PENDING = `('accepted', 'scheduled', 'queued', 'sending', 'sent')`;
