// The provisioning files parse, and everything in them points at something that exists: the data
// source's UID in every panel, variable and alert query, the dashboards and panels the alert rules
// link to, the folder docker-compose.yml mounts the dashboards into.
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

    it('points every panel and variable of every dashboard at that data source', () => {
        assert.equal(dashboards.length, 2);
        for (const dashboard of dashboards) {
            const queried = [
                ...dashboard.panels.filter((panel: {type: string}) => panel.type !== 'row'),
                ...dashboard.panels.flatMap((panel: {targets?: object[]}) => panel.targets ?? []),
                ...dashboard.templating.list.filter((variable: {type: string}) => variable.type === 'query'),
            ];
            for (const entry of queried) {
                assert.deepEqual(entry.datasource, {type: datasource.type, uid: datasource.uid}, `${dashboard.title}: ${entry.title ?? entry.name ?? entry.refId}`);
            }
            const ids = dashboard.panels.map((panel: {id: number}) => panel.id);
            assert.equal(new Set(ids).size, ids.length, `${dashboard.title}: panel ids are unique`);
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
});
