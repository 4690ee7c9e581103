// The provisioning files parse, and everything in them points at something that exists: the
// dashboards' data source variables (ClickHouse, and Prometheus for the service's own metrics) in every
// panel and query variable, defaulting to the provisioned
// data source and to the one picked on import; the data source's UID in every alert query; the
// dashboards and panels the alert rules link to, whose stats turn red at the rules' thresholds; the
// folder docker-compose.yml mounts the dashboards into.
import assert from 'node:assert/strict';
import {readFileSync, readdirSync} from 'node:fs';
import {join} from 'node:path';
import {describe, it} from 'node:test';
import {parse} from 'yaml';
import {SCRAPE_INTERVAL, SCRAPE_JOB} from '../src/prometheus.js';
import {QUERY_TIMEOUT_SECONDS} from '../src/provisioning.js';
import {dashboardsRoot, repositoryRoot} from './paths.js';

const readYaml = (path: string) => parse(readFileSync(join(dashboardsRoot, 'provisioning', path), 'utf8'));

const datasources = readYaml('datasources/clickhouse.yaml');
const prometheusDatasources = readYaml('datasources/prometheus.yaml');
const providers = readYaml('dashboards/delivery-ledger.yaml');
/** The ClickHouse rules, and the service rules that read Prometheus. */
const alertingFiles = [readYaml('alerting/delivery-ledger.yaml'), readYaml('alerting/delivery-ledger-service.yaml')];
const dashboards = readdirSync(join(dashboardsRoot, 'generated'))
    .filter((file) => file.endsWith('.json'))
    .map((file) => JSON.parse(readFileSync(join(dashboardsRoot, 'generated', file), 'utf8')));
const compose = parse(readFileSync(join(repositoryRoot, 'docker-compose.yml'), 'utf8'));

describe('provisioning', () => {
    const [datasource] = datasources.datasources;

    it('provisions the ClickHouse data source with a fixed UID and the password from the environment', () => {
        assert.equal(datasources.apiVersion, 1);
        assert.equal(datasources.datasources.length, 1);
        assert.equal(datasource.type, 'grafana-clickhouse-datasource');
        assert.match(datasource.uid, /^[\w-]+$/);
        assert.equal(datasource.secureJsonData.password, '${CLICKHOUSE_PASSWORD}');
    });

    const [prometheus] = prometheusDatasources.datasources;

    it('provisions the Prometheus data source at the compose service that scrapes the ledger', () => {
        assert.equal(prometheusDatasources.datasources.length, 1);
        assert.equal(prometheus.type, 'prometheus');
        assert.match(prometheus.uid, /^[\w-]+$/);
        const url = new URL(prometheus.url);
        assert.ok(compose.services[url.hostname], `docker-compose.yml has a service ${url.hostname}`);
        assert.equal(prometheus.isDefault, false, 'ClickHouse stays the default data source');
    });

    it('has Prometheus scrape the service\'s admin port on the compose network, as the dashboards expect', () => {
        const service = compose.services[new URL(prometheus.url).hostname];
        const configVolume = service.volumes.find((volume: string) => volume.endsWith(':/etc/prometheus/prometheus.yml:ro'));
        assert.ok(configVolume, `prometheus volumes: ${service.volumes}`);
        const config = parse(readFileSync(join(repositoryRoot, configVolume.split(':')[0]), 'utf8'));
        const [job] = config.scrape_configs;
        assert.equal(job.job_name, SCRAPE_JOB);
        assert.equal(job.metrics_path, '/metrics/prometheus');
        assert.equal(config.global.scrape_interval, SCRAPE_INTERVAL);
        assert.equal(prometheus.jsonData.timeInterval, SCRAPE_INTERVAL);
        const [target] = job.static_configs[0].targets;
        const [host, port] = target.split(':');
        const ledger = compose.services[host];
        assert.ok(ledger, `docker-compose.yml has the scraped service ${host}`);
        assert.equal(ledger.environment.ADMIN_BIND_HOST, '0.0.0.0', 'the admin port listens on the compose network');
        assert.ok(!ledger.ports.some((mapping: string) => mapping.endsWith(`:${port}`)), `the admin port ${port} is not published: ${ledger.ports}`);
    });

    it('gives Grafana the read-only ClickHouse user, not the administrator', () => {
        const environment = compose.services.grafana.environment;
        assert.equal(environment.CLICKHOUSE_USER, 'grafana');
        assert.match(environment.CLICKHOUSE_PASSWORD, /CLICKHOUSE_GRAFANA_PASSWORD/);
        assert.equal(compose.services.ledger.environment.CLICKHOUSE_USER, 'ledger');
        const users = readFileSync(join(repositoryRoot, 'docker', 'clickhouse-users.sh'), 'utf8');
        assert.match(users, new RegExp(`max_execution_time = ${QUERY_TIMEOUT_SECONDS} MAX ${QUERY_TIMEOUT_SECONDS}`));
        assert.equal(datasource.jsonData.queryTimeout, String(QUERY_TIMEOUT_SECONDS));
    });

    it('points every panel and query variable of every dashboard at a data source variable of its type, and nothing at a fixed UID', () => {
        assert.equal(dashboards.length, 2);
        for (const dashboard of dashboards) {
            const variables = dashboard.templating.list;
            const datasourceVariables = variables.filter((candidate: {type: string}) => candidate.type === 'datasource');
            const variable = datasourceVariables.find((candidate: {query: string}) => candidate.query === datasource.type);
            assert.ok(variable, `${dashboard.title}: a ClickHouse data source variable`);
            assert.equal(variables.indexOf(variable), 0, `${dashboard.title}: the data source variable comes before the query variables that read it`);
            const queried = [
                ...dashboard.panels.filter((panel: {type: string}) => panel.type !== 'row'),
                ...dashboard.panels.flatMap((panel: {targets?: object[]}) => panel.targets ?? []),
                ...variables.filter((candidate: {type: string}) => candidate.type === 'query'),
            ];
            for (const entry of queried) {
                const ofItsType = datasourceVariables.find((candidate: {query: string}) => candidate.query === entry.datasource?.type);
                assert.ok(ofItsType, `${dashboard.title}: ${entry.title ?? entry.name ?? entry.refId} reads a data source of a type without variable: ${JSON.stringify(entry.datasource)}`);
                assert.deepEqual(entry.datasource, {type: ofItsType.query, uid: `\${${ofItsType.name}}`}, `${dashboard.title}: ${entry.title ?? entry.name ?? entry.refId}`);
            }
            for (const provisioned of [datasource, prometheus]) {
                assert.ok(!JSON.stringify(dashboard).includes(`"uid":"${provisioned.uid}"`), `${dashboard.title}: no reference to the provisioned data source's UID ${provisioned.uid}`);
            }
            const ids = dashboard.panels.map((panel: {id: number}) => panel.id);
            assert.equal(new Set(ids).size, ids.length, `${dashboard.title}: panel ids are unique`);
        }
    });

    it('defaults each data source variable to the data source picked on import, else to the provisioned one', () => {
        let prometheusVariables = 0;
        for (const dashboard of dashboards) {
            const required = (type: string, id: string) => dashboard.__requires.some((entry: {type: string; id: string}) => entry.type === type && entry.id === id);
            for (const variable of dashboard.templating.list.filter((candidate: {type: string}) => candidate.type === 'datasource')) {
                const provisioned = [datasource, prometheus].find((candidate) => candidate.type === variable.query);
                assert.ok(provisioned, `${dashboard.title}: variable ${variable.name} of a provisioned data source type`);
                prometheusVariables += provisioned === prometheus ? 1 : 0;
                const inputs = dashboard.__inputs.filter((input: {type: string; pluginId: string}) => input.type === 'datasource' && input.pluginId === provisioned.type);
                assert.equal(inputs.length, 1, `${dashboard.title}: one data source input of type ${provisioned.type}`);
                // Grafana's import replaces ${NAME} of an input with the UID picked; a provisioned dashboard keeps
                // it, matches no UID, and Grafana selects the option of the current text instead.
                assert.equal(variable.current.value, `\${${inputs[0].name}}`, dashboard.title);
                assert.equal(variable.current.text, provisioned.name, dashboard.title);
                assert.ok(required('datasource', provisioned.type), `${dashboard.title}: requires ${provisioned.type}`);
            }
            assert.equal(dashboard.__inputs.length, dashboard.templating.list.filter((candidate: {type: string}) => candidate.type === 'datasource').length, `${dashboard.title}: an input per data source variable`);
            assert.ok(required('grafana', 'grafana'), `${dashboard.title}: requires a Grafana version`);
            for (const panel of dashboard.panels.filter((candidate: {type: string}) => candidate.type !== 'row')) {
                assert.ok(required('panel', panel.type), `${dashboard.title}: requires panel type ${panel.type}`);
            }
        }
        assert.equal(prometheusVariables, 1, 'the pipeline dashboard reads Prometheus');
    });

    it('loads the generated dashboards from the folder docker-compose.yml mounts them into', () => {
        const [provider] = providers.providers;
        assert.equal(provider.type, 'file');
        const volumes: string[] = compose.services.grafana.volumes;
        assert.ok(volumes.includes(`./dashboards/generated:${provider.options.path}:ro`), `grafana volumes: ${volumes}`);
        assert.ok(volumes.includes('./dashboards/provisioning:/etc/grafana/provisioning:ro'), `grafana volumes: ${volumes}`);
    });

    it('links every alert rule to an existing dashboard panel and queries the data source', () => {
        const rules = alertingFiles.flatMap((alerting) => alerting.groups).flatMap((group) => group.rules);
        assert.equal(rules.length, 5 + 4);
        for (const alerting of alertingFiles) {
            assert.equal(alerting.apiVersion, 1);
        }
        for (const group of alertingFiles.flatMap((alerting) => alerting.groups)) {
            assert.equal(group.orgId, 1);
            assert.match(group.interval, /^\d+[smh]$/);
            assert.ok(group.folder);
        }
        for (const rule of rules) {
            const dashboard = dashboards.find((candidate) => candidate.uid === rule.annotations.__dashboardUid__);
            assert.ok(dashboard, `${rule.uid}: dashboard ${rule.annotations.__dashboardUid__}`);
            assert.ok(dashboard.panels.some((panel: {id: number}) => String(panel.id) === rule.annotations.__panelId__), `${rule.uid}: panel ${rule.annotations.__panelId__}`);
            const query = rule.data.find((entry: {refId: string}) => entry.refId === 'A');
            const provisioned = [datasource, prometheus].find((candidate) => candidate.uid === query.datasourceUid);
            assert.ok(provisioned, `${rule.uid}: reads a provisioned data source, not ${query.datasourceUid}`);
            assert.deepEqual(query.model.datasource, {type: provisioned.type, uid: provisioned.uid});
            if (provisioned === prometheus) {
                assert.equal(query.model.instant, true, `${rule.uid}: an instant query, one number per series`);
                assert.ok(!query.model.expr.includes('$'), `${rule.uid}: no dashboard variable or interval in ${query.model.expr}`);
            }
            assert.ok(rule.data.some((entry: {refId: string}) => entry.refId === rule.condition), `${rule.uid}: condition ${rule.condition}`);
            // Grafana expands $NAME from its environment in labels (not in annotations or query models).
            assert.ok(Object.values(rule.labels).every((value) => !String(value).includes('$')), `${rule.uid}: labels`);
            assert.ok(['OK', 'NoData', 'Alerting'].includes(rule.noDataState));
            assert.ok(['OK', 'Error', 'Alerting'].includes(rule.execErrState));
        }
        assert.equal(new Set(rules.map((rule: {uid: string}) => rule.uid)).size, rules.length, 'rule uids are unique');
    });

    it('turns a stat linked to an alert rule red at the rule\'s threshold', () => {
        const rules = alertingFiles.flatMap((alerting) => alerting.groups).flatMap((group) => group.rules);
        const linkedStats = rules.flatMap((rule: {condition: string; data: {refId: string; model: {conditions?: {evaluator: {params: number[]}}[]}}[]; annotations: Record<string, string>}) => {
            const dashboard = dashboards.find((candidate) => candidate.uid === rule.annotations.__dashboardUid__);
            const panel = dashboard.panels.find((candidate: {id: number}) => String(candidate.id) === rule.annotations.__panelId__);
            const threshold = rule.data.find((entry) => entry.refId === rule.condition)!.model.conditions![0].evaluator.params[0];
            return panel.type === 'stat' ? [{panel, threshold}] : [];
        });
        assert.ok(linkedStats.length >= 2, 'the failure-rate and stale-pending rules link to stats');
        for (const {panel, threshold} of linkedStats) {
            const steps = panel.fieldConfig.defaults.thresholds.steps;
            assert.deepEqual(steps.at(-1), {value: threshold, color: 'red'}, panel.title);
            assert.equal(panel.options.colorMode, 'value', panel.title);
        }
    });
});
