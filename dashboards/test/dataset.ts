// A generated data set for the dashboards' last six hours and the alert rules' windows: three
// accounts, four messaging services, five countries, three channels, every status and source,
// error codes from Twilio's list, rejected and forbidden requests, reconciliation runs. Random but
// seeded, so a failure reproduces. Scenarios are planted for the alert rules and the no-receipt count:
//  - ACCOUNT_FAILING: 150 messages first seen 9 to 6 minutes ago (inside the failure-rate alert's
//    window of first-seen times), 30% of them undelivered with error 30007, a code it never had
//    before, in the last 10 minutes (failure rate and error code spike fire for it alone);
//  - ACCOUNT_SILENT: callbacks until 40 minutes ago, none since (no-callbacks fires for it alone);
//  - ACCOUNT_HEALTHY: 130 messages still pending 13-20 hours after their last event (stale backlog),
//    12 still sent 8-9 days ago, past the reconciliation lookback: no receipt, not stale; and 12
//    still sent within 6 hours of the start of the UTC day 7 days ago, where no receipt begins;
//  - 60 signature failures in the last 10 minutes.
import {DATABASE} from './schema.js';
import {TestingClickHouseEngine} from './engine.js';

export const ACCOUNT_FAILING = 'AC' + 'f'.repeat(32);
export const ACCOUNT_HEALTHY = 'AC' + 'a'.repeat(32);
export const ACCOUNT_SILENT = 'AC' + '5'.repeat(32);
export const ACCOUNTS = [ACCOUNT_FAILING, ACCOUNT_HEALTHY, ACCOUNT_SILENT];
export const MESSAGING_SERVICES = ['MG' + '1'.repeat(32), 'MG' + '2'.repeat(32), 'MG' + '3'.repeat(32), 'MG' + '4'.repeat(32)];
export const COUNTRIES = ['US', 'GB', 'DE', 'BR', 'IN'];
export const CHANNELS = ['sms', 'whatsapp', 'mms'];
export const SPIKE_ERROR_CODE = 30007;
export const STALE_MESSAGES = 130;
export const NO_RECEIPT_MESSAGES = 12;
export const FORBIDDEN_REQUESTS = 60;

const SENDERS = ['+14155550100', '+14155550101', '+442071838750', '+4930123456', 'Ledger'];
const USUAL_ERROR_CODES = [30003, 30005, 30006, 30008, 21610];
const RANK: Record<string, number> = {queued: 2, sent: 4, delivered: 5, undelivered: 5, failed: 5, read: 6};
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** Mulberry32: a small seeded generator, so the data set is the same on every run. */
function random(seed: number): () => number {
    let state = seed;
    return () => {
        state = (state + 0x6d2b79f5) | 0;
        let value = Math.imul(state ^ (state >>> 15), 1 | state);
        value = (value + Math.imul(value ^ (value >>> 7), 61 | value)) ^ value;
        return ((value ^ (value >>> 14)) >>> 0) / 4294967296;
    };
}

interface Message {
    account: string;
    sid: string;
    service: string;
    country: string;
    channel: string;
    from: string;
    to: string;
    /** Status and error code of each event, with its time. */
    events: {status: string; errorCode: number | null; at: number; source: string}[];
}

export interface DataSet {
    now: Date;
    statusEvents: object[];
    rejectedRequests: object[];
    forbiddenRequests: object[];
    reconciliationRuns: object[];
}

function timestamp(milliseconds: number): string {
    return new Date(milliseconds).toISOString().replace('T', ' ').replace('Z', '');
}

export function generate(now: Date): DataSet {
    const next = random(20261127);
    const pick = <T>(values: T[]): T => values[Math.floor(next() * values.length)];
    const hex = (length: number) => Array.from({length}, () => Math.floor(next() * 16).toString(16)).join('');
    const end = now.getTime();
    const messages: Message[] = [];

    function message(account: string, queuedAt: number, outcome: string, errorCode: number | null, source = 'callback'): void {
        const channel = pick(CHANNELS);
        const sid = (channel === 'mms' ? 'MM' : 'SM') + hex(32);
        const to = `+1415555${String(Math.floor(next() * 10000)).padStart(4, '0')}`;
        const sentAt = queuedAt + 1000 + next() * 20_000;
        const finalAt = sentAt + 2000 + next() * 90_000;
        const events: Message['events'] = [{status: 'queued', errorCode: null, at: queuedAt, source}];
        if (outcome !== 'queued') {
            events.push({status: 'sent', errorCode: null, at: sentAt, source});
        }
        if (outcome !== 'queued' && outcome !== 'sent') {
            events.push({status: outcome, errorCode, at: Math.min(finalAt, end - 1000), source});
        }
        messages.push({account, sid, service: pick(MESSAGING_SERVICES), country: pick(COUNTRIES), channel,
            from: channel === 'whatsapp' ? `whatsapp:${SENDERS[0]}` : pick(SENDERS), to: channel === 'whatsapp' ? `whatsapp:${to}` : to, events});
    }

    function ordinaryOutcome(): [string, number | null] {
        const draw = next();
        if (draw < 0.8) {
            return [next() < 0.1 ? 'read' : 'delivered', null];
        }
        if (draw < 0.84) {
            return ['undelivered', pick(USUAL_ERROR_CODES)];
        }
        if (draw < 0.86) {
            return ['failed', pick(USUAL_ERROR_CODES)];
        }
        return [next() < 0.5 ? 'sent' : 'queued', null];
    }

    // Ordinary traffic over the last 24 hours for the two active accounts, up to 12 minutes ago.
    for (const account of [ACCOUNT_FAILING, ACCOUNT_HEALTHY]) {
        for (let index = 0; index < 900; index++) {
            const [outcome, errorCode] = ordinaryOutcome();
            message(account, end - 24 * HOUR + next() * (24 * HOUR - 12 * MINUTE), outcome, errorCode, next() < 0.05 ? 'reconcile' : 'callback');
        }
    }
    // First seen 9 to 6 minutes ago, final within two minutes: 150 messages each; the failing account's carry error 30007.
    for (let index = 0; index < 150; index++) {
        const queuedAt = end - 9 * MINUTE + next() * 3 * MINUTE;
        message(ACCOUNT_HEALTHY, queuedAt, next() < 0.02 ? 'undelivered' : 'delivered', 30003);
        message(ACCOUNT_FAILING, queuedAt, index % 10 < 3 ? 'undelivered' : 'delivered', index % 10 < 3 ? SPIKE_ERROR_CODE : null);
    }
    // The silent account: steady callbacks from 75 to 40 minutes ago, then nothing.
    for (let index = 0; index < 60; index++) {
        message(ACCOUNT_SILENT, end - 75 * MINUTE + next() * 33 * MINUTE, 'delivered', null);
    }
    // Stale: sent 13-20 hours ago, no word since.
    for (let index = 0; index < STALE_MESSAGES; index++) {
        message(ACCOUNT_HEALTHY, end - 20 * HOUR + next() * 7 * HOUR, 'sent', null);
    }
    // No receipt: sent 8-9 days ago, no word since; and either side of the day no receipt begins with.
    const noReceiptBefore = Math.floor((end - 7 * DAY) / DAY) * DAY;
    for (let index = 0; index < NO_RECEIPT_MESSAGES; index++) {
        message(ACCOUNT_HEALTHY, end - 9 * DAY + next() * DAY, 'sent', null);
        message(ACCOUNT_HEALTHY, noReceiptBefore - 6 * HOUR + next() * 12 * HOUR, 'sent', null);
    }
    // Registrations (the application telling the ledger what it sent) for the healthy account.
    for (let index = 0; index < 20; index++) {
        message(ACCOUNT_HEALTHY, end - 5 * MINUTE + next() * 4 * MINUTE, 'queued', null, 'registration');
    }

    const statusEvents = messages.flatMap((entry) => entry.events.map((event) => ({
        event_id: hex(32),
        received_at: timestamp(event.at),
        event_time: timestamp(event.at),
        inserted_at: timestamp(event.at + 200 + next() * 2500),
        source: event.source,
        direction: 'outbound',
        account_sid: entry.account,
        message_sid: entry.sid,
        messaging_service_sid: entry.service,
        status: event.status,
        status_rank: RANK[event.status],
        error_code: event.errorCode,
        from_address: entry.from,
        to_address: entry.to,
        api_version: '2010-04-01',
        idempotency_token: '',
        journal_position: 0,
        tags: {campaign: 'spring'},
        parameters: {MessageStatus: event.status},
        country: entry.country,
        number_type: 'mobile',
        channel: entry.channel,
    })));

    const reasons = ['missing_parameter', 'invalid_message_sid', 'unknown_status', 'invalid_address'];
    const rejectedRequests = Array.from({length: 40}, () => ({
        received_at: timestamp(end - next() * 6 * HOUR),
        endpoint: '/twilio/status',
        reason: pick(reasons),
        detail: 'Parameter rejected',
        account_sid: pick([ACCOUNT_FAILING, ACCOUNT_HEALTHY]),
        message_sid: '',
        url: 'https://ledger.example.com/twilio/status',
        journal_position: 0,
        parameters: {},
    }));

    const forbiddenRequests = [
        ...Array.from({length: 6}, (_, index) => ({minute: timestamp(Math.floor((end - (index + 1) * MINUTE) / MINUTE) * MINUTE), endpoint: '/twilio/status', reason: 'invalid', requests: FORBIDDEN_REQUESTS / 6})),
        {minute: timestamp(Math.floor((end - 3 * HOUR) / MINUTE) * MINUTE), endpoint: '/twilio/status', reason: 'missing', requests: 3},
    ];

    const reconciliationRuns = Array.from({length: 12}, (_, index) => {
        const startedAt = end - (index + 0.5) * 30 * MINUTE;
        return {
            run_id: `run-${index}`,
            trigger: index % 4 === 0 ? 'task' : 'schedule',
            started_at: timestamp(startedAt),
            finished_at: timestamp(startedAt + 5000 + next() * 20_000),
            window_from: null,
            window_to: null,
            stale_after_seconds: 43200,
            checked: 50 + Math.floor(next() * 100),
            fixed: Math.floor(next() * 20),
            not_found: Math.floor(next() * 3),
            api_calls: 60 + Math.floor(next() * 100),
            rate_limited: index === 3 ? 4 : 0,
            outcome: index === 5 ? 'failed' : 'completed',
            error: index === 5 ? 'Twilio answered 503' : '',
        };
    });

    return {now, statusEvents, rejectedRequests, forbiddenRequests, reconciliationRuns};
}

export async function load(engine: TestingClickHouseEngine, dataSet: DataSet): Promise<void> {
    await engine.insert('status_events', dataSet.statusEvents, DATABASE);
    await engine.insert('rejected_requests', dataSet.rejectedRequests, DATABASE);
    await engine.insert('forbidden_requests', dataSet.forbiddenRequests, DATABASE);
    await engine.insert('reconciliation_runs', dataSet.reconciliationRuns, DATABASE);
}
