// Delivery overview: how outbound messages fare, for the messages first seen in the time range
// (message_status) and, over time, per interval of receipt (the events_per_minute rollup).
import * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import {Position, row, stackedBarsPanel, statPanel, tableOfRows, timeSeriesPanel} from './panels.js';
import {DELIVERED, FAILED, FINAL_OUTBOUND, PENDING} from './sql.js';
import {ACCOUNT, CHANNEL, COUNTRY, MESSAGING_SERVICE, filterConditions, filterVariable} from './variables.js';

export const OVERVIEW_UID = 'delivery-ledger-overview';

const FILTERS = [ACCOUNT, MESSAGING_SERVICE, COUNTRY, CHANNEL];

/** Outbound messages first seen in the range, narrowed by every variable. */
const MESSAGES = `message_status
WHERE $__timeFilter(first_event_at)
  AND direction = 'outbound'
  AND ${filterConditions(FILTERS)}`;

/** Per-minute rollup rows of outbound events received in the range, narrowed by every variable. */
const ROLLUP = `events_per_minute
WHERE $__timeFilter(minute)
  AND direction = 'outbound'
  AND ${filterConditions(FILTERS)}`;

function messageStat(title: string, description: string, unit: string, value: string, position: Position) {
    return statPanel(title, description, unit, `SELECT ${value} AS value FROM ${MESSAGES}`, position);
}

/** Messages and outcomes per value of one column, busiest first. */
function breakdown(title: string, column: string, label: string, position: Position) {
    return tableOfRows(title, `Outbound messages first seen in the range by ${label.toLowerCase()}, with their current status.`, `
        SELECT
          ${column} AS \`${label}\`,
          count() AS messages,
          countIf(status IN ${DELIVERED}) AS delivered,
          countIf(status IN ${FAILED}) AS failed,
          countIf(status IN ${PENDING}) AS pending,
          round(delivered / messages, 4) AS delivery_rate
        FROM ${MESSAGES}
        GROUP BY ${column}
        ORDER BY messages DESC
        LIMIT 50`, position)
        .overrideByName('delivery_rate', [{id: 'unit', value: 'percentunit'}]);
}

function latency(title: string, description: string, from: string, to: string, position: Position) {
    return timeSeriesPanel(title, description, 's', `
        SELECT
          $__timeInterval(started) AS time,
          quantile(0.5)(seconds) AS p50,
          quantile(0.9)(seconds) AS p90,
          quantile(0.99)(seconds) AS p99
        FROM
        (
          SELECT assumeNotNull(${from}) AS started, dateDiff('millisecond', ${from}, ${to}) / 1000 AS seconds
          FROM ${MESSAGES}
            AND ${from} IS NOT NULL
            AND ${to} IS NOT NULL
        )
        GROUP BY time
        ORDER BY time`, position);
}

export function overviewDashboard(): dashboard.DashboardBuilder {
    const variables = FILTERS.map((filter, index): dashboard.QueryVariableBuilder => filterVariable(filter, FILTERS.slice(0, index)));
    return new dashboard.DashboardBuilder('Delivery overview')
        .uid(OVERVIEW_UID)
        .description('Outbound Twilio messages recorded by Delivery Ledger: volume, outcomes, errors, latency.')
        .tags(['delivery-ledger', 'twilio'])
        .timezone('utc')
        .time({from: 'now-6h', to: 'now'})
        .refresh('1m')
        .variables(variables)
        .withRow(row('Messages first seen in the range', 0))
        .withPanel(messageStat('Messages', 'Outbound messages first seen in the range.', 'short', 'count()', {x: 0, y: 1, w: 6, h: 4}))
        .withPanel(messageStat('Delivery rate', 'Share of those messages now delivered or read.', 'percentunit',
            `countIf(status IN ${DELIVERED}) / nullIf(count(), 0)`, {x: 6, y: 1, w: 6, h: 4}))
        .withPanel(messageStat('Failure rate', 'Share of those messages now failed or undelivered.', 'percentunit',
            `countIf(status IN ${FAILED}) / nullIf(count(), 0)`, {x: 12, y: 1, w: 6, h: 4}))
        .withPanel(messageStat('Pending', 'Those messages not final yet (accepted, scheduled, queued, sending, sent).', 'short',
            `countIf(status IN ${PENDING})`, {x: 18, y: 1, w: 6, h: 4}))
        .withRow(row('Over time (by time of receipt)', 5))
        .withPanel(stackedBarsPanel('Messages by status', 'Distinct messages that reached each status in the interval.', 'short', `
            SELECT $__timeInterval(minute) AS time, status, uniqMerge(messages) AS messages
            FROM ${ROLLUP}
            GROUP BY time, status
            ORDER BY time`, {x: 0, y: 6, w: 12, h: 9}))
        .withPanel(timeSeriesPanel('Failure rate', 'Of the messages that reached a final status in the interval, the share failed or undelivered.', 'percentunit', `
            SELECT time, sumIf(messages, status IN ${FAILED}) / nullIf(sum(messages), 0) AS failure_rate
            FROM
            (
              SELECT $__timeInterval(minute) AS time, status, uniqMerge(messages) AS messages
              FROM ${ROLLUP}
                AND status IN ${FINAL_OUTBOUND}
              GROUP BY time, status
            )
            GROUP BY time
            ORDER BY time`, {x: 12, y: 6, w: 12, h: 9}).max(1))
        .withPanel(latency('Delivery latency (sent → delivered)', 'Percentiles of the time from the sent status to the delivery receipt (the carrier\'s RawDlrDoneDate where present), by time sent.',
            'sent_at', 'delivered_at', {x: 0, y: 15, w: 12, h: 8}))
        .withPanel(latency('Queue latency (queued → sent)', 'Percentiles of the time from queued to sent, by time queued.',
            'queued_at', 'sent_at', {x: 12, y: 15, w: 12, h: 8}))
        .withRow(row('Where messages fail', 23))
        .withPanel(tableOfRows('Top error codes', 'Error codes of the messages first seen in the range, with Twilio\'s description.', `
            SELECT codes.error_code AS error_code, descriptions.description AS description, codes.messages AS messages,
              codes.undelivered AS undelivered, codes.failed AS failed
            FROM
            (
              SELECT assumeNotNull(error_code) AS error_code, count() AS messages,
                countIf(status = 'undelivered') AS undelivered, countIf(status = 'failed') AS failed
              FROM ${MESSAGES}
                AND error_code IS NOT NULL
              GROUP BY error_code
              ORDER BY messages DESC
              LIMIT 20
            ) AS codes
            LEFT JOIN (SELECT code, description FROM twilio_error_codes FINAL) AS descriptions ON descriptions.code = codes.error_code
            ORDER BY messages DESC`, {x: 0, y: 24, w: 24, h: 9}))
        .withPanel(breakdown('By destination country', 'country', 'Country', {x: 0, y: 33, w: 8, h: 10}))
        .withPanel(breakdown('By messaging service', 'messaging_service_sid', 'Messaging service', {x: 8, y: 33, w: 8, h: 10}))
        .withPanel(breakdown('By sender number', 'from_address', 'Sender', {x: 16, y: 33, w: 8, h: 10}));
}
