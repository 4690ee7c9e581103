// Alert rules on the service's own metrics, read from Prometheus: they fire while ClickHouse is down
// (the ClickHouse rules of alerts.ts cannot) and while the service is unreachable. A group of their
// own, in provisioning/alerting/delivery-ledger-service.yaml. Thresholds: dashboards/README.md.
import * as alerting from '@grafana/grafana-foundation-sdk/alerting';
import {ALERT_GROUP, EVALUATION_INTERVAL_SECONDS, PanelLink, RuleBasics, linksOf, thresholdRule} from './alerts.js';
import {PROMETHEUS_UID, PROMQL, promQuery, provisionedPrometheus} from './prometheus.js';
import {PIPELINE_UID} from './uids.js';

export const SERVICE_THRESHOLDS = {
    /** Journal backlog: record bytes waiting for ClickHouse, summed over instances; half of config.yml's default journal.maxSize (2 GiB per instance). */
    journalBacklogBytes: 1024 ** 3,
};

/** Panels of the pipeline dashboard that the rules link to. */
export const SERVICE_PANELS = {
    backlog: 'Journal backlog',
    insertFailures: 'ClickHouse insert failures',
    refused: 'Refused callbacks by reason',
    instances: 'Instances scraped',
    delay: 'Delay to ClickHouse',
};

interface ServiceRuleDefinition extends RuleBasics {
    promql: string;
}

/** Prometheus evaluates each rule at the end of its range: the queries look back on their own. */
const NOW = {from: 600, to: 0};

const RULES: ServiceRuleDefinition[] = [
    {
        uid: 'delivery-ledger-insert-failures',
        title: 'Inserts into ClickHouse failing',
        range: NOW,
        promql: PROMQL.insertFailuresLast5m,
        comparison: 'gt',
        threshold: 0,
        forDuration: '5m',
        summary: 'Inserts into ClickHouse have been failing for 5 minutes: callbacks wait in the journal',
        description: '{{ humanize $values.A.Value }} failed insert attempts in the last 5 minutes. Callbacks are answered and kept in the journal until ClickHouse takes them; see the service log and the journal backlog.',
        dashboardUid: PIPELINE_UID,
        panelTitle: SERVICE_PANELS.insertFailures,
    },
    {
        uid: 'delivery-ledger-journal-backlog',
        title: 'Journal backlog large',
        range: NOW,
        promql: PROMQL.journalBacklogBytes,
        comparison: 'gt',
        threshold: SERVICE_THRESHOLDS.journalBacklogBytes,
        forDuration: '5m',
        summary: `More than ${SERVICE_THRESHOLDS.journalBacklogBytes / 1024 ** 3} GiB of callbacks wait in the journal for ClickHouse`,
        description: '{{ humanize1024 $values.A.Value }}B of records wait for ClickHouse. At journal.maxSize (JOURNAL_MAX_SIZE) the service answers Twilio with 503 and callbacks are lost: bring ClickHouse back or raise the cap.',
        dashboardUid: PIPELINE_UID,
        panelTitle: SERVICE_PANELS.backlog,
    },
    {
        uid: 'delivery-ledger-callbacks-unavailable',
        title: 'Callbacks refused with 503',
        range: NOW,
        promql: PROMQL.unavailableLast5m,
        comparison: 'gt',
        threshold: 0,
        forDuration: '0s',
        summary: 'The service answered callbacks with 503 (journal full or not writable): those callbacks may be lost',
        description: '{{ humanize $values.A.Value }} callbacks refused with 503 in the last 5 minutes; reconciliation fetches what they said once the journal takes callbacks again.',
        dashboardUid: PIPELINE_UID,
        panelTitle: SERVICE_PANELS.refused,
    },
    {
        uid: 'delivery-ledger-down',
        title: 'Service not reachable by Prometheus',
        range: NOW,
        promql: PROMQL.instancesUp,
        comparison: 'lt',
        threshold: 1,
        forDuration: '2m',
        summary: 'Prometheus reaches no instance of the service: Twilio\'s callbacks are not being received',
        description: 'No scrape of the service\'s admin /metrics/prometheus has succeeded for 2 minutes.',
        dashboardUid: PIPELINE_UID,
        panelTitle: SERVICE_PANELS.instances,
    },
];

function rule(definition: ServiceRuleDefinition): alerting.RuleBuilder {
    return thresholdRule(definition, PROMETHEUS_UID, promQuery(definition.promql, '').datasource(provisionedPrometheus).instant());
}

export function serviceAlertRules(): alerting.RuleGroupBuilder {
    return new alerting.RuleGroupBuilder(`${ALERT_GROUP}-service`)
        .interval(EVALUATION_INTERVAL_SECONDS)
        .rules(RULES.map(rule));
}

export function servicePanelLinks(): PanelLink[] {
    return linksOf(RULES);
}
