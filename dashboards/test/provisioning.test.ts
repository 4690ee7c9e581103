// The provisioning files parse, and everything in them points at something that exists: the
// dashboards' data source variable in every panel and query variable, defaulting to the provisioned
// data source and to the one picked on import; the data source's UID in every alert query; the
// dashboards and panels the alert rules link to, whose stats turn red at the rules' thresholds; the
// folder docker-compose.yml mounts the dashboards into.
import assert from 'node:assert/strict';
import {readFileSync, readdirSync} from 'node:fs';
import {join} from 'node:path';
import {describe, it} from 'node:test';
import {parse} from 'yaml';
import {dashboardsRoot, repositoryRoot} from './paths.js';

const readYaml = (path: string) => parse(readFileSync(join(dashboardsRoot, 'provisioning', path), 'utf8'));

const datasources = readYaml('datasources/clickhouse.yaml');
const providers = readYaml('dashboards/delivery-ledger.yaml');
const alerting = readYaml('alerting/delivery-ledger.yaml');
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

    it('points every panel and query variable of every dashboard at a data source variable, and nothing at a fixed UID', () => {
        assert.equal(dashboards.length, 2);
        for (const dashboard of dashboards) {
            const variables = dashboard.templating.list;
            const variable = variables.find((candidate: {type: string}) => candidate.type === 'datasource');
            assert.ok(variable, `${dashboard.title}: a data source variable`);
            assert.equal(variable.query, datasource.type);
            assert.equal(variables.indexOf(variable), 0, `${dashboard.title}: the data source variable comes before the query variables that read it`);
            const queried = [
                ...dashboard.panels.filter((panel: {type: string}) => panel.type !== 'row'),
                ...dashboard.panels.flatMap((panel: {targets?: object[]}) => panel.targets ?? []),
                ...variables.filter((candidate: {type: string}) => candidate.type === 'query'),
            ];
            for (const entry of queried) {
                assert.deepEqual(entry.datasource, {type: datasource.type, uid: `\${${variable.name}}`}, `${dashboard.title}: ${entry.title ?? entry.name ?? entry.refId}`);
            }
            assert.ok(!JSON.stringify(dashboard).includes(`"uid":"${datasource.uid}"`), `${dashboard.title}: no reference to the provisioned data source's UID`);
            const ids = dashboard.panels.map((panel: {id: number}) => panel.id);
            assert.equal(new Set(ids).size, ids.length, `${dashboard.title}: panel ids are unique`);
        }
    });

    it('defaults the data source variable to the data source picked on import, else to the provisioned one', () => {
        for (const dashboard of dashboards) {
            const variable = dashboard.templating.list.find((candidate: {type: string}) => candidate.type === 'datasource');
            const inputs = dashboard.__inputs.filter((input: {type: string; pluginId: string}) => input.type === 'datasource' && input.pluginId === datasource.type);
            assert.equal(inputs.length, 1, `${dashboard.title}: one data source input`);
            // Grafana's import replaces ${NAME} of an input with the UID picked; a provisioned dashboard keeps
            // it, matches no UID, and Grafana selects the option of the current text instead.
            assert.equal(variable.current.value, `\${${inputs[0].name}}`, dashboard.title);
            assert.equal(variable.current.text, datasource.name, dashboard.title);
            const required = (type: string, id: string) => dashboard.__requires.some((entry: {type: string; id: string}) => entry.type === type && entry.id === id);
            assert.ok(required('datasource', datasource.type), `${dashboard.title}: requires the plugin`);
            assert.ok(required('grafana', 'grafana'), `${dashboard.title}: requires a Grafana version`);
            for (const panel of dashboard.panels.filter((candidate: {type: string}) => candidate.type !== 'row')) {
                assert.ok(required('panel', panel.type), `${dashboard.title}: requires panel type ${panel.type}`);
            }
        }
    });

    it('loads the generated dashboards from the folder docker-compose.yml mounts them into', () => {
        const [provider] = providers.providers;
        assert.equal(provider.type, 'file');
        const volumes: string[] = compose.services.grafana.volumes;
        assert.ok(volumes.includes(`./dashboards/generated:${provider.options.path}:ro`), `grafana volumes: ${volumes}`);
        assert.ok(volumes.includes('./dashboards/provisioning:/etc/grafana/provisioning:ro'), `grafana volumes: ${volumes}`);
    });

    it('links every alert rule to an existing dashboard panel and queries the data source', () => {
        assert.equal(alerting.apiVersion, 1);
        const rules = alerting.groups.flatMap((group: {rules: object[]}) => group.rules);
        assert.equal(rules.length, 5);
        for (const group of alerting.groups) {
            assert.equal(group.orgId, 1);
            assert.match(group.interval, /^\d+[smh]$/);
            assert.ok(group.folder);
        }
        for (const rule of rules) {
            const dashboard = dashboards.find((candidate) => candidate.uid === rule.annotations.__dashboardUid__);
            assert.ok(dashboard, `${rule.uid}: dashboard ${rule.annotations.__dashboardUid__}`);
            assert.ok(dashboard.panels.some((panel: {id: number}) => String(panel.id) === rule.annotations.__panelId__), `${rule.uid}: panel ${rule.annotations.__panelId__}`);
            const query = rule.data.find((entry: {refId: string}) => entry.refId === 'A');
            assert.equal(query.datasourceUid, datasource.uid);
            assert.equal(query.model.datasource.uid, datasource.uid);
            assert.ok(rule.data.some((entry: {refId: string}) => entry.refId === rule.condition), `${rule.uid}: condition ${rule.condition}`);
            // Grafana expands $NAME from its environment in labels (not in annotations or query models).
            assert.ok(Object.values(rule.labels).every((value) => !String(value).includes('$')), `${rule.uid}: labels`);
            assert.ok(['OK', 'NoData', 'Alerting'].includes(rule.noDataState));
            assert.ok(['OK', 'Error', 'Alerting'].includes(rule.execErrState));
        }
        assert.equal(new Set(rules.map((rule: {uid: string}) => rule.uid)).size, rules.length, 'rule uids are unique');
    });

    it('turns a stat linked to an alert rule red at the rule\'s threshold', () => {
        const rules = alerting.groups.flatMap((group: {rules: object[]}) => group.rules);
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
