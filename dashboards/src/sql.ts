// What every panel and alert rule means by a status, a rate and a range, as SQL: the status groups
// of the service's API (analytics/StatusCounts.java), and how to read the read model (status_counts,
// sender_counts, latency_histograms, pending_messages_current) for the messages first seen in a time range so
// that the cost follows the range, never the history. The plugin expands $__fromTime and $__toTime
// to DateTimes in the server's time zone; the read model's minutes, hours and days are UTC, so every
// bound is taken in UTC.

/** A template tag: a multi-line value continues at the indentation of the line it is inserted in, so composed SQL stays readable. */
export function sql(strings: TemplateStringsArray, ...values: (string | number)[]): string {
    return strings.reduce((text, part, index) => {
        const before = text + part;
        if (index === values.length) {
            return before;
        }
        const line = before.slice(before.lastIndexOf('\n') + 1);
        const indentation = line.slice(0, line.length - line.trimStart().length);
        return before + String(values[index]).replaceAll('\n', `\n${indentation}`);
    }, '');
}

const DELIVERED_STATUSES = ['delivered', 'read', 'partially_delivered'];
const FAILED_STATUSES = ['failed', 'undelivered'];
const PENDING_STATUSES = ['accepted', 'scheduled', 'queued', 'sending', 'sent', 'receiving'];

const list = (statuses: string[]) => `(${statuses.map((status) => `'${status}'`).join(', ')})`;

export const DELIVERED = list(DELIVERED_STATUSES);
export const FAILED = list(FAILED_STATUSES);
/** Not final yet, but for the messages still sent that count as no receipt (see STATUS_GROUPS). */
export const PENDING = list(PENDING_STATUSES);
/** Delivered or failed: the messages with an outcome, which the delivery and failure rates divide by. */
const WITH_OUTCOME = list([...DELIVERED_STATUSES, ...FAILED_STATUSES]);

/**
 * Days after which reconciliation stops asking Twilio about a message: keep equal to reconcile.lookback
 * (7 days by default). A message still sent on a first-seen day that began before that will get no
 * receipt; stale pending messages are looked for within it.
 */
export const NO_RECEIPT_LOOKBACK_DAYS = 7;

/** `firstSeen`: the rows' first-seen time column (the count tables' time, the per-message views' first_seen). */
function noReceipt(firstSeen: string): string {
    return `status = 'sent' AND ${firstSeen} < toStartOfDay(toTimeZone($__toTime, 'UTC') - INTERVAL ${NO_RECEIPT_LOOKBACK_DAYS} DAY)`;
}

/** Messages by current status as every panel groups and colours them; a column of that name is summed with `sumOf`. */
export interface StatusGroup {
    name: string;
    color: string;
    condition: (firstSeen: string) => string;
}

export const STATUS_GROUPS = {
    delivered: {name: 'Delivered', color: 'green', condition: () => `status IN ${DELIVERED}`},
    failed: {name: 'Failed', color: 'red', condition: () => `status IN ${FAILED}`},
    pending: {name: 'Pending', color: 'orange', condition: (firstSeen) => `status IN ${PENDING} AND NOT (${noReceipt(firstSeen)})`},
    noReceipt: {name: 'No receipt', color: 'gray', condition: noReceipt},
    /** Canceled, and any status none of the groups above knows. */
    other: {name: 'Other', color: 'blue', condition: () => `status NOT IN ${list([...DELIVERED_STATUSES, ...FAILED_STATUSES, ...PENDING_STATUSES])}`},
} satisfies Record<string, StatusGroup>;

/** The messages of a group, summed over rows holding `messages` messages each (status_counts' shape). */
export function sumOf(group: StatusGroup, firstSeen = 'time'): string {
    return `sumIf(messages, ${group.condition(firstSeen)})`;
}

/** `sumOf` as a column named after the group. */
export function columnOf(group: StatusGroup, firstSeen = 'time'): string {
    return `${sumOf(group, firstSeen)} AS \`${group.name}\``;
}

export const MESSAGES_WITH_OUTCOME = `sumIf(messages, status IN ${WITH_OUTCOME})`;
export const DELIVERY_RATE = `sumIf(messages, status IN ${DELIVERED}) / nullIf(${MESSAGES_WITH_OUTCOME}, 0)`;
export const FAILURE_RATE = `sumIf(messages, status IN ${FAILED}) / nullIf(${MESSAGES_WITH_OUTCOME}, 0)`;

/**
 * The prefix of a query reading the messages first seen in the range: its whole minutes [range_from,
 * range_to), the minute of $__toTime included as $__timeFilter includes $__toTime, and the whole hours
 * and days within them.
 */
export const FIRST_SEEN_RANGE = `WITH
  toStartOfMinute(toTimeZone($__fromTime, 'UTC')) AS range_from,
  toStartOfMinute(toTimeZone($__toTime, 'UTC')) + INTERVAL 1 MINUTE AS range_to,
  toStartOfHour(range_from + INTERVAL 59 MINUTE) AS hours_from,
  toStartOfHour(range_to) AS hours_to,
  toStartOfDay(range_from + INTERVAL 1439 MINUTE) AS days_from,
  toStartOfDay(range_to) AS days_to`;

/**
 * The rows of status_counts or latency_histograms, under FIRST_SEEN_RANGE, that count each message
 * first seen in the range once: whole days in the middle, whole hours around them, minutes at the
 * edges (as the API's FirstSeenRange), so a 30-day range reads about 30 day, 46 hour and 118 minute
 * rows per key instead of 43,200 minute rows. Without a whole day (or hour) in the range, the day (or
 * hour) branch selects nothing and its NOT is true.
 */
export const IN_FIRST_SEEN_RANGE = `((granularity = 'day' AND time >= days_from AND time < days_to)
  OR (granularity = 'hour' AND time >= hours_from AND time < hours_to AND NOT (time >= days_from AND time < days_to))
  OR (granularity = 'minute' AND time >= range_from AND time < range_to AND NOT (time >= hours_from AND time < hours_to)))`;

/**
 * The prefix of a time series query grouped by $__timeInterval: it reads one granularity, the coarsest
 * that fits in the panel's interval (Grafana's intervals of an hour or more are whole hours, of a day
 * or more whole days), from the start of the interval of that granularity holding $__fromTime.
 */
export const SERIES_RANGE = `WITH
  multiIf($__interval_s >= 86400, 'day', $__interval_s >= 3600, 'hour', 'minute') AS series_granularity,
  multiIf(series_granularity = 'day', toStartOfDay(toTimeZone($__fromTime, 'UTC')),
    series_granularity = 'hour', toStartOfHour(toTimeZone($__fromTime, 'UTC')),
    toStartOfMinute(toTimeZone($__fromTime, 'UTC'))) AS series_from`;

/** The rows of status_counts or latency_histograms, under SERIES_RANGE, that a time series sums per interval. */
export const IN_SERIES_RANGE = 'granularity = series_granularity AND time >= series_from AND time <= $__toTime';

/**
 * pending_messages_current's outbound messages still pending `hours` after their last event, at the
 * end of the range, among those first seen within the reconciliation lookback: the ones reconciliation
 * should have fetched (it no longer asks about older ones).
 */
export function stalePending(hours: string): string {
    return `pending_messages_current
WHERE first_seen >= toStartOfMinute($__toTime - INTERVAL ${NO_RECEIPT_LOOKBACK_DAYS} DAY)
  AND direction = 'outbound'
  AND status IN ${PENDING}
  AND last_event_at < $__toTime - INTERVAL ${hours} HOUR`;
}
