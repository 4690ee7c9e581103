// Prints every panel query of the generated dashboards and every alert rule query, expanded for a time
// range as Grafana's ClickHouse plugin expands them (dashboards/test/macros.ts, compiled), as JSON:
// [{"name": ..., "sql": ...}]. Dashboard variables are "All"; the stale threshold is 12 hours.
//   node bench/dashboard_queries.mjs FROM TO   (ISO-8601 instants)
import {readFileSync} from 'node:fs';
import {createRequire} from 'node:module';
import {dirname, join} from 'node:path';
import {fileURLToPath} from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dashboards = join(root, 'dashboards');
const {dashboardSql, expandBackendMacros} = await import(join(dashboards, 'build', 'test', 'macros.js'));
const {parse} = createRequire(join(dashboards, 'package.json'))('yaml');

const range = {from: new Date(process.argv[2]), to: new Date(process.argv[3])};
// Grafana's interval: the range over the panel's maximum data points (its width, about 1,000, unless set).
const intervalSeconds = (panel) => Math.max(60, Math.floor((range.to - range.from) / 1000 / (panel.maxDataPoints ?? 1000)));
const variables = {account: ['$__all'], messaging_service: ['$__all'], country: ['$__all'], channel: ['$__all'], stale_hours: '12'};
const queries = [];
for (const file of ['delivery-overview.json', 'pipeline-health.json']) {
    const dashboard = JSON.parse(readFileSync(join(dashboards, 'generated', file), 'utf8'));
    for (const panel of dashboard.panels.filter((candidate) => candidate.type !== 'row')) {
        for (const target of panel.targets ?? []) {
            queries.push({name: `dashboard ${dashboard.title}: ${panel.title}`, sql: dashboardSql(target.rawSql, variables, {}, range, intervalSeconds(panel))});
        }
    }
}
const provisioning = parse(readFileSync(join(dashboards, 'provisioning', 'alerting', 'delivery-ledger.yaml'), 'utf8'));
for (const rule of provisioning.groups.flatMap((group) => group.rules)) {
    const query = rule.data.find((entry) => entry.refId === 'A');
    const ruleRange = {from: new Date(range.to - query.relativeTimeRange.from * 1000), to: new Date(range.to - query.relativeTimeRange.to * 1000)};
    queries.push({name: `alert: ${rule.title}`, sql: expandBackendMacros(query.model.rawSql, ruleRange, 1)});
}
console.log(JSON.stringify(queries));
