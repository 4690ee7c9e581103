// Pipeline health: is the ledger receiving, storing and reconciling what Twilio sends? The last row
// reads the service's own metrics from Prometheus, so it still shows the backlog while ClickHouse is down.
import * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import {THRESHOLDS} from './alerts.js';
import {prometheusTimeSeriesPanel, redFromThreshold, row, stackedBarsPanel, statPanel, tableOfRows, timeSeriesPanel} from './panels.js';
import {PROMQL, prometheusVariable, promQuery} from './prometheus.js';
import {SERVICE_PANELS} from './serviceAlerts.js';
import {NO_RECEIPT_LOOKBACK_DAYS, sql, stalePending} from './sql.js';
import {PIPELINE_UID} from './uids.js';
import {ACCOUNT, datasourceVariable, filterConditions, filterVariable} from './variables.js';

const STALE_HOURS = 'stale_hours';

const ACCOUNT_FILTER = filterConditions([ACCOUNT]);

/** The stale-pending alert's messages, stale after $stale_hours, of the selected accounts. */
const STALE_PENDING = sql`${stalePending(`\${${STALE_HOURS}}`)}
  AND ${ACCOUNT_FILTER}`;

/** Defaults to the alert rule's number of hours. */
function staleHoursVariable(): dashboard.CustomVariableBuilder {
    const hours = String(THRESHOLDS.stalePendingHours);
    return new dashboard.CustomVariableBuilder(STALE_HOURS)
        .label('Stale after (hours)')
        .description('A message not final this long after its last event counts as stale; Twilio advises fetching such messages after 12 hours.')
        .values('1,6,12,24,48')
        .current({text: hours, value: hours});
}

/** Counts per interval of one table, split by one column. */
function countsBy(table: string, timeColumn: string, column: string, extraConditions: string): string {
    return `
        SELECT $__timeInterval(${timeColumn}) AS time, ${column}, count() AS requests
        FROM ${table}
        WHERE $__timeFilter(${timeColumn})${extraConditions}
        GROUP BY time, ${column}
        ORDER BY time`;
}

export function pipelineDashboard(): dashboard.DashboardBuilder {
    return new dashboard.DashboardBuilder('Pipeline health')
        .uid(PIPELINE_UID)
        .description('Delivery Ledger\'s intake, ingest, reconciliation and backlog.')
        .tags(['delivery-ledger', 'twilio'])
        .timezone('utc')
        .time({from: 'now-6h', to: 'now'})
        .refresh('1m')
        .variables([datasourceVariable(), prometheusVariable(), filterVariable(ACCOUNT, []), staleHoursVariable()])
        .withRow(row('Intake', 0))
        // Distinct event ids, not stored rows: a callback and its retry stored by two instances count once.
        .withPanel(statPanel('Events received', 'Distinct events received in the range, all sources (a callback and its retry count once).', 'short', `
            SELECT uniqMerge(event_ids) AS events FROM events_per_minute WHERE $__timeFilter(minute) AND ${ACCOUNT_FILTER}`, {x: 0, y: 1, w: 6, h: 4}))
        .withPanel(statPanel('Rejected requests', 'Correctly signed webhooks refused as malformed (400).', 'short', `
            SELECT count() AS requests FROM rejected_requests WHERE $__timeFilter(received_at) AND ${ACCOUNT_FILTER}`, {x: 6, y: 1, w: 6, h: 4}))
        .withPanel(statPanel('Signature failures', 'Webhooks refused with 403: missing or wrong X-Twilio-Signature, or an unknown account.', 'short', `
            SELECT sum(requests) AS requests FROM forbidden_requests WHERE $__timeFilter(minute)`, {x: 12, y: 1, w: 6, h: 4}))
        .withPanel(statPanel('Ingest lag p99', 'Time from receiving a webhook to its row being stored in ClickHouse, 99th percentile.', 's', `
            SELECT quantile(0.99)(dateDiff('millisecond', received_at, inserted_at) / 1000) AS lag
            FROM status_events WHERE $__timeFilter(received_at) AND ${ACCOUNT_FILTER}`, {x: 18, y: 1, w: 6, h: 4}))
        .withPanel(timeSeriesPanel('Callbacks per minute by source', 'Distinct events received per minute: Twilio callbacks, inbound messages, reconciliation, backfill, registrations.', 'short', `
            SELECT $__timeInterval(minute) AS time, source, uniqMerge(event_ids) * 60 / greatest($__interval_s, 60) AS per_minute
            FROM events_per_minute
            WHERE $__timeFilter(minute) AND ${ACCOUNT_FILTER}
            GROUP BY time, source
            ORDER BY time`, {x: 0, y: 5, w: 12, h: 8}).interval('1m'))
        .withPanel(timeSeriesPanel('Ingest lag (receive → insert)', 'Seconds from receiving a webhook to its row being stored in ClickHouse: the journal and batch writer at work.', 's', `
            SELECT
              $__timeInterval(received_at) AS time,
              quantile(0.5)(lag) AS p50,
              quantile(0.99)(lag) AS p99,
              max(lag) AS maximum
            FROM
            (
              SELECT received_at, dateDiff('millisecond', received_at, inserted_at) / 1000 AS lag
              FROM status_events
              WHERE $__timeFilter(received_at) AND ${ACCOUNT_FILTER}
            )
            GROUP BY time
            ORDER BY time`, {x: 12, y: 5, w: 12, h: 8}))
        .withPanel(stackedBarsPanel('Rejected requests by reason', 'Correctly signed webhooks refused as malformed, by the reason returned (400).', 'short',
            countsBy('rejected_requests', 'received_at', 'reason', ` AND ${ACCOUNT_FILTER}`), {x: 0, y: 13, w: 12, h: 8}))
        .withPanel(stackedBarsPanel('Signature failures by reason', 'Webhooks refused with 403, by reason (missing, invalid, unknown-account); nothing else of them is stored.', 'short', `
            SELECT $__timeInterval(minute) AS time, reason, sum(requests) AS requests
            FROM forbidden_requests
            WHERE $__timeFilter(minute)
            GROUP BY time, reason
            ORDER BY time`, {x: 12, y: 13, w: 12, h: 8}).interval('1m'))
        .withRow(row('Reconciliation', 21))
        .withPanel(stackedBarsPanel('Reconciliation runs', 'Runs started in the interval, by outcome.', 'short', `
            SELECT $__timeInterval(started_at) AS time, outcome, count() AS runs
            FROM reconciliation_runs
            WHERE $__timeFilter(started_at)
            GROUP BY time, outcome
            ORDER BY time`, {x: 0, y: 22, w: 12, h: 8}))
        .withPanel(stackedBarsPanel('Reconciliation fixes', 'Messages whose status reconciliation corrected, and those Twilio did not know, per interval.', 'short', `
            SELECT $__timeInterval(started_at) AS time, sum(fixed) AS fixed, sum(not_found) AS not_found
            FROM reconciliation_runs
            WHERE $__timeFilter(started_at)
            GROUP BY time
            ORDER BY time`, {x: 12, y: 22, w: 12, h: 8}))
        .withPanel(tableOfRows('Latest reconciliation runs', 'The last runs started in the range.', `
            SELECT started_at, trigger, outcome, dateDiff('millisecond', started_at, finished_at) / 1000 AS seconds,
              checked, fixed, not_found, api_calls, rate_limited, error
            FROM reconciliation_runs
            WHERE $__timeFilter(started_at)
            ORDER BY started_at DESC
            LIMIT 20`, {x: 0, y: 30, w: 24, h: 8}))
        .withRow(row('Backlog', 38))
        .withPanel(redFromThreshold(statPanel('Stale pending messages', `Outbound messages first seen within the reconciliation lookback (${NO_RECEIPT_LOOKBACK_DAYS} days) and still not final $stale_hours hours after their last event, at the end of the range; red from the stale-pending alert's threshold for one account.`, 'short', sql`
            SELECT count() AS messages
            FROM ${STALE_PENDING}`, {x: 0, y: 39, w: 6, h: 8}), THRESHOLDS.stalePendingMessages))
        .withPanel(tableOfRows('Stale pending by account and status', 'The stale messages by account and current status, with the oldest last event.', sql`
            SELECT account_sid, status, count() AS messages, min(last_event_at) AS oldest_last_event
            FROM ${STALE_PENDING}
            GROUP BY account_sid, status
            ORDER BY messages DESC
            LIMIT 50`, {x: 6, y: 39, w: 18, h: 8}))
        .withRow(row('Service (Prometheus: works while ClickHouse is down)', 47))
        .withPanel(prometheusTimeSeriesPanel(SERVICE_PANELS.backlog, 'Record bytes in the journals that ClickHouse has not confirmed, all instances: it grows while inserts fail; at journal.maxSize per instance Twilio gets 503s.', 'bytes',
            [promQuery(PROMQL.journalBacklogBytes, 'unconfirmed bytes')], {x: 0, y: 48, w: 8, h: 8}))
        .withPanel(prometheusTimeSeriesPanel(SERVICE_PANELS.insertFailures, 'Failed insert attempts into ClickHouse per minute; each is retried with backoff while the journal keeps the callbacks.', 'short',
            [promQuery(PROMQL.insertFailuresPerMinute, 'failed inserts per minute')], {x: 8, y: 48, w: 8, h: 8}))
        .withPanel(prometheusTimeSeriesPanel(SERVICE_PANELS.instances, 'Service instances whose admin /metrics/prometheus Prometheus scraped.', 'short',
            [promQuery(PROMQL.instancesUp, 'instances')], {x: 16, y: 48, w: 8, h: 8}))
        .withPanel(prometheusTimeSeriesPanel(SERVICE_PANELS.refused, 'Callbacks refused per minute, by answer and reason: 400 malformed, 403 signature, 503 journal full or not writable (the callback may be lost).', 'short', [
            promQuery(PROMQL.rejectedPerMinute, '400 {{reason}}', 'A'),
            promQuery(PROMQL.forbiddenPerMinute, '403 {{reason}}', 'B'),
            promQuery(PROMQL.unavailablePerMinute, '503 {{reason}}', 'C'),
        ], {x: 0, y: 56, w: 24, h: 8}))
        .withPanel(prometheusTimeSeriesPanel(SERVICE_PANELS.delay, 'Time from a callback\'s receipt to ClickHouse confirming its insert, the slowest instance: about batchWriter.maxAge plus an insert while ClickHouse keeps up; it grows while inserts fail, and callbacks kept in the journal through an outage count their whole wait.', 's', [
            promQuery(PROMQL.receiptToStoredP50, 'p50', 'A'),
            promQuery(PROMQL.receiptToStoredP99, 'p99', 'B'),
        ], {x: 0, y: 64, w: 24, h: 8}));
}
