// The Prometheus data source: Prometheus scrapes the service's admin /metrics/prometheus (the
// prometheus service of docker-compose.yml, prometheus/prometheus.yml), so the panels and alert
// rules that read it keep working while ClickHouse is down, when they are needed most. Metric names
// are those of the service's exposition (docs/deployment.md, "Prometheus"); a service test checks that every
// metric these queries name is in a live scrape.
import * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import * as prometheus from '@grafana/grafana-foundation-sdk/prometheus';

export const PROMETHEUS_TYPE = 'prometheus';
/** The provisioned data source (provisioning/datasources/prometheus.yaml); the service alert rules name its fixed UID. */
export const PROMETHEUS_UID = 'prometheus';
export const PROMETHEUS_NAME = 'Prometheus (Delivery Ledger)';
/** Where Prometheus answers on docker-compose's network. */
export const PROMETHEUS_URL = 'http://prometheus:9090';
/** The job name and interval of prometheus/prometheus.yml's scrape of the service. */
export const SCRAPE_JOB = 'delivery-ledger';
export const SCRAPE_INTERVAL = '15s';
export const provisionedPrometheus: dashboard.DataSourceRef = {type: PROMETHEUS_TYPE, uid: PROMETHEUS_UID};

/** The dashboards' Prometheus data source variable, defaulting like the ClickHouse one (variables.ts). */
export const PROMETHEUS_VARIABLE = 'prometheus';
export const PROMETHEUS_INPUT = 'DS_PROMETHEUS';
export const prometheusDatasource: dashboard.DataSourceRef = {type: PROMETHEUS_TYPE, uid: `\${${PROMETHEUS_VARIABLE}}`};

export function prometheusVariable(): dashboard.DatasourceVariableBuilder {
    return new dashboard.DatasourceVariableBuilder(PROMETHEUS_VARIABLE)
        .label('Prometheus')
        .type(PROMETHEUS_TYPE)
        .current({text: PROMETHEUS_NAME, value: `\${${PROMETHEUS_INPUT}}`});
}

/** A range query of a panel, one series per legend. */
export function promQuery(expr: string, legendFormat: string, refId = 'A'): prometheus.DataqueryBuilder {
    return new prometheus.DataqueryBuilder()
        .refId(refId)
        .datasource(prometheusDatasource)
        .expr(expr)
        .legendFormat(legendFormat)
        .editorMode(prometheus.QueryEditorMode.Code)
        .range();
}

/**
 * The service's metrics the panels and rules read. Meters end in _total (counters); the journal's
 * gauges are per instance, summed; a refused callback's meter carries its reason as a label and exists
 * from its first refusal on, hence `or vector(0)` where a sum must show zero.
 */
export const PROMQL = {
    /** Record bytes in the journals that ClickHouse has not confirmed (the backlog an outage builds). */
    journalBacklogBytes: 'sum(journal_unconfirmed_bytes)',
    journalBacklogRecords: 'sum(journal_lag)',
    /**
     * Seconds from a callback's receipt to ClickHouse confirming its insert (sink.receipt-to-stored,
     * each instance's recent samples): how far message lookups are behind Twilio; the slowest instance.
     */
    receiptToStoredP50: 'max(sink_receipt_to_stored{quantile="0.5"})',
    receiptToStoredP99: 'max(sink_receipt_to_stored{quantile="0.99"})',
    /** Failed insert attempts into ClickHouse per minute (each retried with backoff). */
    insertFailuresPerMinute: 'sum(rate(sink_insert_failures_total[$__rate_interval])) * 60',
    insertFailuresLast5m: 'sum(increase(sink_insert_failures_total[5m])) or vector(0)',
    /** Callbacks refused per minute, by answer and reason. */
    rejectedPerMinute: 'sum by (reason) (rate(intake_rejected_total[$__rate_interval])) * 60',
    forbiddenPerMinute: 'sum by (reason) (rate(intake_forbidden_total[$__rate_interval])) * 60',
    unavailablePerMinute: 'sum by (reason) (rate(intake_unavailable_total[$__rate_interval])) * 60',
    unavailableLast5m: 'sum(increase(intake_unavailable_total[5m])) or vector(0)',
    /** Instances Prometheus reaches (up is Prometheus' own metric of each scrape). */
    instancesUp: `sum(up{job="${SCRAPE_JOB}"}) or vector(0)`,
};
