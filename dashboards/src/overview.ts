// Delivery overview: how the outbound messages first seen in the time range fare, by their current
// status, from the read model (sql.ts): counts from status_counts, latencies from
// latency_histograms, senders from sender_counts. Over time, a message counts in the
// interval it was first seen in.
import * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import {THRESHOLDS} from './alerts.js';
import {Position, coloursOf, redFromThreshold, row, stackedBarsPanel, statPanel, tableOfRows, timeSeriesPanel} from './panels.js';
import {
    DELIVERY_RATE, FAILURE_RATE, FIRST_SEEN_RANGE, IN_FIRST_SEEN_RANGE, IN_SERIES_RANGE, SERIES_RANGE, STATUS_GROUPS,
    columnOf, sql, sumOf,
} from './sql.js';
import {OVERVIEW_UID} from './uids.js';
import {ACCOUNT, CHANNEL, COUNTRY, MESSAGING_SERVICE, datasourceVariable, filterConditions, filterVariable} from './variables.js';

const FILTERS = [ACCOUNT, MESSAGING_SERVICE, COUNTRY, CHANNEL];
const TWILIO_ERROR_PAGE = 'https://www.twilio.com/docs/api/errors/${__value.raw}';

/** Outbound messages, narrowed by every variable: conditions on columns every read model table has. */
const NARROWED = sql`direction = 'outbound'
AND ${filterConditions(FILTERS)}`;

/** status_counts rows of the messages first seen in the range (under FIRST_SEEN_RANGE). */
const COUNTS = sql`status_counts
WHERE ${IN_FIRST_SEEN_RANGE}
  AND ${NARROWED}`;

/** sender_counts rows of the messages first seen in the range: status_counts by sender. */
const COUNTS_BY_SENDER = sql`sender_counts
WHERE ${IN_FIRST_SEEN_RANGE}
  AND ${NARROWED}`;

const BREAKDOWN_GROUPS = [STATUS_GROUPS.delivered, STATUS_GROUPS.failed, STATUS_GROUPS.pending, STATUS_GROUPS.noReceipt];
const SERIES_GROUPS = Object.values(STATUS_GROUPS);

/**
 * Rows of status_counts or latency_histograms for a time series (under SERIES_RANGE), their first-seen
 * time renamed first_seen: `time` is the name of the interval the query groups them in.
 */
function seriesRows(table: string, columns: string, conditions: string[] = []): string {
    return sql`(
  SELECT time AS first_seen, ${columns}
  FROM ${table}
  WHERE ${IN_SERIES_RANGE}
    AND ${[NARROWED, ...conditions].join('\nAND ')}
)`;
}

function messageStat(title: string, description: string, unit: string, value: string, position: Position) {
    return statPanel(title, description, unit, sql`
        ${FIRST_SEEN_RANGE}
        SELECT ${value} AS value
        FROM ${COUNTS}`, position);
}

/** Messages and outcomes per value of one column of `rows` (status_counts' shape), busiest first. */
function breakdown(title: string, column: string, label: string, rows: string, position: Position) {
    return coloursOf(tableOfRows(title, `Outbound messages first seen in the range by ${label.toLowerCase()}, by current status.`, sql`
        ${FIRST_SEEN_RANGE}
        SELECT
          ${column} AS \`${label}\`,
          sum(messages) AS Messages,
          ${BREAKDOWN_GROUPS.map((group) => columnOf(group)).join(',\n')},
          ${DELIVERY_RATE} AS \`Delivery rate\`
        FROM ${rows}
        GROUP BY ${column}
        HAVING Messages != 0
        ORDER BY Messages DESC
        LIMIT 50`, position), BREAKDOWN_GROUPS)
        .overrideByName('Delivery rate', [{id: 'unit', value: 'percentunit'}]);
}

/** Percentiles of one of latency_histograms' latencies per interval, nearest-rank over the buckets' counts. */
function latency(title: string, description: string, measured: 'queued_to_sent' | 'sent_to_delivered', position: Position) {
    return timeSeriesPanel(title, description, 's', sql`
        ${SERIES_RANGE}
        SELECT
          time,
          quantileExactWeighted(0.5)(bucket, toUInt64(n)) / 1000 AS p50,
          quantileExactWeighted(0.9)(bucket, toUInt64(n)) / 1000 AS p90,
          quantileExactWeighted(0.99)(bucket, toUInt64(n)) / 1000 AS p99
        FROM
        (
          SELECT $__timeInterval(first_seen) AS time, bucket, sum(messages) AS n
          FROM ${seriesRows('latency_histograms', 'bucket, messages', [`latency = '${measured}'`])}
          GROUP BY time, bucket
          HAVING n > 0
        )
        GROUP BY time
        ORDER BY time`, position).interval('1m');
}

export function overviewDashboard(): dashboard.DashboardBuilder {
    const variables = FILTERS.map((filter, index): dashboard.QueryVariableBuilder => filterVariable(filter, FILTERS.slice(0, index)));
    return new dashboard.DashboardBuilder('Delivery overview')
        .uid(OVERVIEW_UID)
        .description('Outbound Twilio messages recorded by Delivery Ledger, by current status: volume, outcomes, errors, latency.')
        .tags(['delivery-ledger', 'twilio'])
        .timezone('utc')
        .time({from: 'now-6h', to: 'now'})
        .refresh('1m')
        .variables([datasourceVariable(), ...variables])
        .withRow(row('Messages first seen in the range', 0))
        .withPanel(messageStat('Messages', 'Outbound messages first seen in the range.', 'short', 'sum(messages)', {x: 0, y: 1, w: 5, h: 4}))
        .withPanel(messageStat('Delivery rate', 'Of those messages with an outcome (delivered or failed), the share delivered, read or partially delivered.', 'percentunit',
            DELIVERY_RATE, {x: 5, y: 1, w: 5, h: 4}))
        .withPanel(redFromThreshold(messageStat('Failure rate', 'Of those messages with an outcome (delivered or failed), the share failed or undelivered; red from the failure-rate alert\'s threshold.', 'percentunit',
            FAILURE_RATE, {x: 10, y: 1, w: 5, h: 4}), THRESHOLDS.failureRate))
        .withPanel(messageStat('Pending', 'Those messages not final yet (accepted, scheduled, queued, sending, sent, receiving), but for the no-receipt ones.', 'short',
            sumOf(STATUS_GROUPS.pending), {x: 15, y: 1, w: 5, h: 4}))
        .withPanel(messageStat('No receipt', 'Those messages still sent on a first-seen day that began before the reconciliation lookback: no receipt will come.', 'short',
            sumOf(STATUS_GROUPS.noReceipt), {x: 20, y: 1, w: 4, h: 4}))
        .withRow(row('Over time (by first-seen interval)', 5))
        .withPanel(coloursOf(stackedBarsPanel('Messages by status', 'Outbound messages first seen in the interval, by current status; other: canceled.', 'short', sql`
            ${SERIES_RANGE}
            SELECT
              $__timeInterval(first_seen) AS time,
              ${SERIES_GROUPS.map((group) => columnOf(group, 'first_seen')).join(',\n')}
            FROM ${seriesRows('status_counts', 'status, messages')}
            GROUP BY time
            ORDER BY time`, {x: 0, y: 6, w: 12, h: 9}).interval('1m'), SERIES_GROUPS))
        .withPanel(timeSeriesPanel('Failure rate', 'Of the messages first seen in the interval with an outcome (delivered or failed), the share failed or undelivered.', 'percentunit', sql`
            ${SERIES_RANGE}
            SELECT $__timeInterval(first_seen) AS time, ${FAILURE_RATE} AS failure_rate
            FROM ${seriesRows('status_counts', 'status, messages')}
            GROUP BY time
            ORDER BY time`, {x: 12, y: 6, w: 12, h: 9}).interval('1m').max(1))
        .withPanel(latency('Delivery latency (sent → delivered)', 'Percentiles of the time from sent to the delivery receipt (the carrier\'s RawDlrDoneDate where present), by first-seen interval, in buckets of two significant digits.',
            'sent_to_delivered', {x: 0, y: 15, w: 12, h: 8}))
        .withPanel(latency('Queue latency (queued → sent)', 'Percentiles of the time from queued to sent, by first-seen interval, in buckets of two significant digits.',
            'queued_to_sent', {x: 12, y: 15, w: 12, h: 8}))
        .withRow(row('Where messages fail', 23))
        .withPanel(tableOfRows('Top error codes', 'Error codes of the messages first seen in the range, with Twilio\'s description (the code links to Twilio\'s page); undelivered and failed: messages now in that status.', sql`
            ${FIRST_SEEN_RANGE}
            SELECT codes.error_code AS \`Error code\`, descriptions.description AS Description, codes.Messages AS Messages,
              codes.Undelivered AS Undelivered, codes.Failed AS Failed
            FROM
            (
              SELECT error_code, sum(messages) AS Messages,
                sumIf(messages, status = 'undelivered') AS Undelivered, sumIf(messages, status = 'failed') AS Failed
              FROM ${COUNTS}
                AND error_code != 0
              GROUP BY error_code
              HAVING Messages != 0
              ORDER BY Messages DESC
              LIMIT 20
            ) AS codes
            LEFT JOIN (SELECT code, description FROM twilio_error_codes FINAL) AS descriptions ON descriptions.code = codes.error_code
            ORDER BY Messages DESC`, {x: 0, y: 24, w: 24, h: 9})
            .overrideByName('Error code', [{id: 'links', value: [{title: 'Twilio error ${__value.raw}', url: TWILIO_ERROR_PAGE, targetBlank: true}]}]))
        .withPanel(breakdown('By destination country', 'country', 'Country', COUNTS, {x: 0, y: 33, w: 8, h: 10}))
        .withPanel(breakdown('By messaging service', 'messaging_service_sid', 'Messaging service', COUNTS, {x: 8, y: 33, w: 8, h: 10}))
        .withPanel(breakdown('By sender number', 'from_address', 'Sender', COUNTS_BY_SENDER, {x: 16, y: 33, w: 8, h: 10}));
}
