// Alert rules. Grafana evaluates them on its server, where the plugin expands its macros
// ($__timeFilter, $__fromTime, $__toTime) but no dashboard variable exists: the queries use macros
// only, and name the provisioned data source. Each query returns one row per alerting dimension
// (string columns become labels) and one number, which a threshold expression compares.
import * as alerting from '@grafana/grafana-foundation-sdk/alerting';
import * as cog from '@grafana/grafana-foundation-sdk/cog';
import * as expr from '@grafana/grafana-foundation-sdk/expr';
import {DATASOURCE_UID, provisionedDatasource, table} from './datasource.js';
import {FAILED, FAILURE_RATE, FIRST_SEEN_RANGE, IN_FIRST_SEEN_RANGE, MESSAGES_WITH_OUTCOME, sql, stalePending} from './sql.js';
import {OVERVIEW_UID, PIPELINE_UID} from './uids.js';

/**
 * The thresholds, documented in dashboards/README.md; the dashboards' stats for the same numbers turn
 * red at them. Change them here, then `npm run build`.
 */
export const THRESHOLDS = {
    /** Failure rate: of the messages first seen 20 to 5 minutes ago with an outcome (delivered or failed), the share failed. */
    failureRate: 0.1,
    /** ...only for an account with at least this many such messages with an outcome. */
    failureRateMinimumMessages: 100,
    /** Error code spike: messages failed with one code in 10 minutes, at least ... */
    errorCodeSpikeMinimumMessages: 20,
    /** ...and this many times that code's average per 10 minutes over the 24 hours before. */
    errorCodeSpikeRatio: 5,
    /** No callbacks: minutes without a status callback for an account... */
    silenceMinutes: 15,
    /** ...that had at least this many callbacks in the hour before, or registered messages meanwhile. */
    silencePreviousHourMinimumCallbacks: 10,
    /** Stale pending: outbound messages first seen within the reconciliation lookback, still not final this many hours after their last event... */
    stalePendingHours: 12,
    /** ...more than this many of them for one account. */
    stalePendingMessages: 100,
    /** Signature failures: webhooks refused with 403 in 10 minutes, more than this. */
    signatureFailures: 50,
};

export const ALERT_FOLDER = 'Delivery Ledger';
export const ALERT_GROUP = 'delivery-ledger';
export const EVALUATION_INTERVAL_SECONDS = 60;
const EXPRESSION_DATASOURCE = {type: '__expr__', uid: '__expr__'};

export type Comparison = 'gt' | 'lt';

/** The time range of a rule's query: seconds before now that it starts and ends. */
export interface RelativeTimeRange {
    from: number;
    to: number;
}

/** The last 10 minutes. */
const LAST_10_MINUTES: RelativeTimeRange = {from: 600, to: 0};

/**
 * The messages the failure rate is taken of: first seen 20 to 5 minutes ago, so that most have had
 * time to reach an outcome and the rate moves within minutes of a change.
 */
const FAILURE_RATE_WINDOW: RelativeTimeRange = {from: 1200, to: 300};

/** What every rule has besides its query. */
export interface RuleBasics {
    uid: string;
    title: string;
    range: RelativeTimeRange;
    comparison: Comparison;
    threshold: number;
    forDuration: string;
    summary: string;
    description: string;
    dashboardUid: string;
    panelTitle: string;
}

interface RuleDefinition extends RuleBasics {
    sql: string;
}

/** Links a rule to the panel showing what it watches; the panel's id is filled in once the dashboards are built. */
export interface PanelLink {
    ruleUid: string;
    dashboardUid: string;
    panelTitle: string;
}

const RULES: RuleDefinition[] = [
    {
        uid: 'delivery-ledger-failure-rate',
        title: 'Failure rate above threshold',
        range: FAILURE_RATE_WINDOW,
        sql: sql`
            ${FIRST_SEEN_RANGE}
            SELECT account_sid, ${FAILURE_RATE} AS failure_rate
            FROM status_counts
            WHERE ${IN_FIRST_SEEN_RANGE}
              AND direction = 'outbound'
            GROUP BY account_sid
            HAVING ${MESSAGES_WITH_OUTCOME} >= ${THRESHOLDS.failureRateMinimumMessages}`,
        comparison: 'gt',
        threshold: THRESHOLDS.failureRate,
        forDuration: '5m',
        summary: `More than ${THRESHOLDS.failureRate * 100}% of the messages first seen 20 to 5 minutes ago failed or were undelivered`,
        description: 'Account {{ $labels.account_sid }}: {{ humanizePercentage $values.A.Value }} of the messages first seen 20 to 5 minutes ago that reached an outcome (delivered or failed) failed or were undelivered.',
        dashboardUid: OVERVIEW_UID,
        panelTitle: 'Failure rate',
    },
    {
        uid: 'delivery-ledger-error-code-spike',
        title: 'Undelivered spike for one error code',
        // Failures as they arrive (events per minute of receipt), not by the minute their messages were
        // first seen: a spike shows in the minutes it happens, even for messages sent hours before.
        // The per-minute rollup costs what the 24 hours cost.
        range: {from: 86400, to: 0},
        sql: `
            SELECT spikes.account_sid AS account_sid, toString(spikes.error_code) AS error_code,
              ifNull(descriptions.description, '') AS description, spikes.spike_ratio AS spike_ratio
            FROM
            (
              SELECT account_sid, error_code,
                recent / greatest(earlier * 600 / (dateDiff('second', $__fromTime, $__toTime) - 600), 1) AS spike_ratio
              FROM
              (
                SELECT account_sid, error_code,
                  uniqMergeIf(messages, minute >= $__toTime - INTERVAL 10 MINUTE) AS recent,
                  uniqMergeIf(messages, minute < $__toTime - INTERVAL 10 MINUTE) AS earlier
                FROM events_per_minute
                WHERE $__timeFilter(minute) AND direction = 'outbound' AND status IN ${FAILED} AND error_code != 0
                GROUP BY account_sid, error_code
              )
              WHERE recent >= ${THRESHOLDS.errorCodeSpikeMinimumMessages}
            ) AS spikes
            LEFT JOIN (SELECT code, description FROM twilio_error_codes FINAL) AS descriptions ON descriptions.code = spikes.error_code`,
        comparison: 'gt',
        threshold: THRESHOLDS.errorCodeSpikeRatio,
        forDuration: '0s',
        summary: `Error {{ $labels.error_code }} is failing messages at more than ${THRESHOLDS.errorCodeSpikeRatio} times its usual rate`,
        description: 'Account {{ $labels.account_sid }}: error {{ $labels.error_code }} ({{ $labels.description }}) in the last 10 minutes at {{ humanize $values.A.Value }} times its average of the previous 24 hours.',
        dashboardUid: OVERVIEW_UID,
        panelTitle: 'Top error codes',
    },
    {
        uid: 'delivery-ledger-no-callbacks',
        title: 'No status callbacks while messages are being sent',
        // Distinct events (event_ids), so callbacks stored twice by two instances count once.
        range: {from: (THRESHOLDS.silenceMinutes + 60) * 60, to: 0},
        sql: `
            SELECT account_sid, uniqMergeIf(event_ids, source = 'callback' AND minute >= $__toTime - INTERVAL ${THRESHOLDS.silenceMinutes} MINUTE) AS recent_callbacks
            FROM events_per_minute
            WHERE $__timeFilter(minute)
            GROUP BY account_sid
            HAVING uniqMergeIf(event_ids, source = 'registration' AND minute >= $__toTime - INTERVAL ${THRESHOLDS.silenceMinutes} MINUTE) > 0
              OR uniqMergeIf(event_ids, source = 'callback' AND minute < $__toTime - INTERVAL ${THRESHOLDS.silenceMinutes} MINUTE) >= ${THRESHOLDS.silencePreviousHourMinimumCallbacks}`,
        comparison: 'lt',
        threshold: 1,
        forDuration: '0s',
        summary: `No status callbacks stored for ${THRESHOLDS.silenceMinutes} minutes while messages are being sent`,
        description: `Account {{ $labels.account_sid }} had callbacks in the hour before, or registered messages since, but none stored in the last ${THRESHOLDS.silenceMinutes} minutes: check the StatusCallback URL, the service, and whether inserts into ClickHouse stall (journal health check).`,
        dashboardUid: PIPELINE_UID,
        panelTitle: 'Callbacks per minute by source',
    },
    {
        uid: 'delivery-ledger-stale-pending',
        title: 'Stale pending backlog',
        range: LAST_10_MINUTES,
        sql: sql`
            SELECT account_sid, count() AS stale_messages
            FROM ${stalePending(String(THRESHOLDS.stalePendingHours))}
            GROUP BY account_sid`,
        comparison: 'gt',
        threshold: THRESHOLDS.stalePendingMessages,
        forDuration: '15m',
        summary: `More than ${THRESHOLDS.stalePendingMessages} messages still pending ${THRESHOLDS.stalePendingHours} hours after their last event`,
        description: `Account {{ $labels.account_sid }}: {{ $values.A.Value }} outbound messages not final ${THRESHOLDS.stalePendingHours} hours after their last status; reconciliation should fetch them (check its runs).`,
        dashboardUid: PIPELINE_UID,
        panelTitle: 'Stale pending messages',
    },
    {
        uid: 'delivery-ledger-signature-failures',
        title: 'Signature failures spike',
        range: LAST_10_MINUTES,
        sql: `
            SELECT sum(requests) AS forbidden_requests
            FROM forbidden_requests
            WHERE $__timeFilter(minute)`,
        comparison: 'gt',
        threshold: THRESHOLDS.signatureFailures,
        forDuration: '0s',
        summary: `More than ${THRESHOLDS.signatureFailures} webhooks refused for their signature in 10 minutes`,
        description: '{{ $values.A.Value }} webhooks got 403 in the last 10 minutes: a rotated auth token missing from the configuration, a wrong PUBLIC_BASE_URL behind a proxy, or someone probing the endpoint.',
        dashboardUid: PIPELINE_UID,
        panelTitle: 'Signature failures by reason',
    },
];

function rule(definition: RuleDefinition): alerting.RuleBuilder {
    return thresholdRule(definition, DATASOURCE_UID, table(definition.sql).datasource(provisionedDatasource));
}

/** A rule whose query A, of the data source {@code datasourceUid}, is compared with the rule's threshold (condition B). */
export function thresholdRule(definition: RuleBasics, datasourceUid: string, model: cog.Builder<cog.Dataquery>): alerting.RuleBuilder {
    const query = new alerting.QueryBuilder('A')
        .datasourceUid(datasourceUid)
        .relativeTimeRange(definition.range)
        .model(model);
    const condition = new alerting.QueryBuilder('B')
        .datasourceUid(EXPRESSION_DATASOURCE.uid)
        .relativeTimeRange({from: 0, to: 0})
        .model(new expr.TypeThresholdBuilder()
            .refId('B')
            .datasource(EXPRESSION_DATASOURCE)
            .expression('A')
            .conditions([{evaluator: {type: definition.comparison, params: [definition.threshold]}}]));
    return new alerting.RuleBuilder(definition.title)
        .uid(definition.uid)
        .withQuery(query)
        .withQuery(condition)
        .condition('B')
        .forDuration(definition.forDuration)
        .noDataState('OK')
        .execErrState('Error')
        .labels({service: 'delivery-ledger'})
        .annotations({summary: definition.summary, description: definition.description});
}

export function alertRules(): alerting.RuleGroupBuilder {
    return new alerting.RuleGroupBuilder(ALERT_GROUP)
        .interval(EVALUATION_INTERVAL_SECONDS)
        .rules(RULES.map(rule));
}

export function panelLinks(): PanelLink[] {
    return linksOf(RULES);
}

export function linksOf(definitions: RuleBasics[]): PanelLink[] {
    return definitions.map((definition) => ({ruleUid: definition.uid, dashboardUid: definition.dashboardUid, panelTitle: definition.panelTitle}));
}
