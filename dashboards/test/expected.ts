// What the panels should show, recomputed in TypeScript from message_status (the per-message truth,
// which only tests may read), with the definitions of analytics/StatusCounts.java and MessageCounts.java
// written out again here, so that the panels' SQL is checked against them rather than against itself.
import {TestingClickHouseEngine} from './engine.js';
import {TimeRange, VariableValue} from './macros.js';
import {DATABASE} from './schema.js';

const DELIVERED = ['delivered', 'read', 'partially_delivered'];
const FAILED = ['failed', 'undelivered'];
const PENDING = ['accepted', 'scheduled', 'queued', 'sending', 'sent', 'receiving'];
/** reconcile.lookback's default. */
const LOOKBACK_DAYS = 7;
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

export const GROUPS = ['Delivered', 'Failed', 'Pending', 'No receipt', 'Other'] as const;
export type Group = typeof GROUPS[number];
export type Counts = Record<Group | 'Messages', number>;

/** One row of message_status, times in epoch milliseconds. */
export interface Message {
    account_sid: string;
    messaging_service_sid: string;
    country: string;
    channel: string;
    from_address: string;
    direction: string;
    status: string;
    error_code: number | null;
    first_event_at: number;
    last_event_at: number;
    queued_at: number | null;
    sent_at: number | null;
    delivered_at: number | null;
}

export async function readMessages(engine: TestingClickHouseEngine): Promise<Message[]> {
    const result = await engine.query(`
        SELECT account_sid, messaging_service_sid, country, channel, from_address, direction, status, error_code,
          toUnixTimestamp64Milli(first_event_at) AS first_event_at, toUnixTimestamp64Milli(last_event_at) AS last_event_at,
          toUnixTimestamp64Milli(queued_at) AS queued_at, toUnixTimestamp64Milli(sent_at) AS sent_at, toUnixTimestamp64Milli(delivered_at) AS delivered_at
        FROM message_status`, DATABASE);
    return result.data as unknown as Message[];
}

const floor = (milliseconds: number, unit: number) => Math.floor(milliseconds / unit) * unit;

/** The filter variables' columns; a variable set to "All" (or not given) filters nothing. */
const FILTER_COLUMNS: Record<string, keyof Message> = {account: 'account_sid', messaging_service: 'messaging_service_sid', country: 'country', channel: 'channel'};

export function selected(variables: Record<string, VariableValue>, names: string[]): (message: Message) => boolean {
    const filters = names
        .map((name) => ({column: FILTER_COLUMNS[name], values: [variables[name] ?? '$__all'].flat()}))
        .filter((filter) => !filter.values.includes('$__all'));
    return (message) => message.direction === 'outbound' && filters.every((filter) => filter.values.includes(String(message[filter.column])));
}

/** A message's group by its current status, the range ending at `to`: still sent on a first-seen day that began before the lookback is no receipt. */
export function groupOf(message: Message, to: Date): Group {
    if (DELIVERED.includes(message.status)) {
        return 'Delivered';
    }
    if (FAILED.includes(message.status)) {
        return 'Failed';
    }
    if (message.status === 'sent' && message.first_event_at < floor(to.getTime() - LOOKBACK_DAYS * DAY, DAY)) {
        return 'No receipt';
    }
    return PENDING.includes(message.status) ? 'Pending' : 'Other';
}

/** The first-seen times a panel over `range` counts: the whole minutes it touches, the minute of its end included. */
export function firstSeenIn(range: TimeRange): (message: Message) => boolean {
    const from = floor(range.from.getTime(), MINUTE);
    const to = floor(range.to.getTime(), MINUTE) + MINUTE;
    return (message) => message.first_event_at >= from && message.first_event_at < to;
}

/** The granularity a time series reads for an interval, and the first-seen times it counts: whole intervals of it from the one holding the range's start. */
export function seriesFirstSeenIn(range: TimeRange, intervalSeconds: number): (message: Message) => boolean {
    const granularity = intervalSeconds >= 86400 ? DAY : intervalSeconds >= 3600 ? HOUR : MINUTE;
    const from = floor(range.from.getTime(), granularity);
    const to = floor(range.to.getTime(), granularity) + granularity;
    return (message) => message.first_event_at >= from && message.first_event_at < to;
}

export function count(messages: Message[], to: Date): Counts {
    const counts: Counts = {'Messages': 0, 'Delivered': 0, 'Failed': 0, 'Pending': 0, 'No receipt': 0, 'Other': 0};
    for (const message of messages) {
        counts.Messages++;
        counts[groupOf(message, to)]++;
    }
    return counts;
}

/** Delivered, and failed, as shares of the messages with an outcome (delivered + failed); null without any. */
export function rates(counts: Counts): {delivery: number | null; failure: number | null} {
    const outcomes = counts.Delivered + counts.Failed;
    return outcomes === 0 ? {delivery: null, failure: null} : {delivery: counts.Delivered / outcomes, failure: counts.Failed / outcomes};
}

export function groupBy<Key>(messages: Message[], key: (message: Message) => Key): Map<Key, Message[]> {
    const groups = new Map<Key, Message[]>();
    for (const message of messages) {
        const value = key(message);
        groups.set(value, [...groups.get(value) ?? [], message]);
    }
    return groups;
}

/** The start of a message's $__timeInterval interval (epoch-aligned, as toStartOfInterval in seconds), in epoch milliseconds. */
export function intervalOf(message: Message, intervalSeconds: number): number {
    return floor(message.first_event_at, intervalSeconds * 1000);
}

/** latency_histograms' bucket: milliseconds rounded down to two significant digits. */
function bucket(milliseconds: number): number {
    const unit = 10 ** Math.max(String(milliseconds).length - 2, 0);
    return floor(milliseconds, unit);
}

/** The nearest-rank median of the buckets of one latency, for the messages that have both times; null without any. */
export function medianLatency(messages: Message[], start: 'queued_at' | 'sent_at', end: 'sent_at' | 'delivered_at'): number | null {
    const buckets = messages
        .filter((message) => message[start] !== null && message[end] !== null)
        .map((message) => bucket(Math.max(0, message[end]! - message[start]!)))
        .sort((left, right) => left - right);
    return buckets.length === 0 ? null : buckets[Math.ceil(buckets.length * 0.5) - 1];
}

/** Outbound messages first seen within the lookback, still pending `hours` after their last event at `to`. */
export function isStalePending(message: Message, to: Date, hours: number): boolean {
    return message.first_event_at >= floor(to.getTime() - LOOKBACK_DAYS * DAY, MINUTE)
        && PENDING.includes(message.status)
        && message.last_event_at < to.getTime() - hours * HOUR;
}
