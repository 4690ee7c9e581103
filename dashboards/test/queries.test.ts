// Every query in the generated dashboards and alert rules, expanded as the plugin expands it, runs
// against the local ClickHouse engine on the generated data set and returns what its panel or rule
// needs; the alert rules fire for exactly the planted scenarios.
import assert from 'node:assert/strict';
import {readFileSync} from 'node:fs';
import {join} from 'node:path';
import {after, before, describe, it} from 'node:test';
import {parse} from 'yaml';
import {ACCOUNT_FAILING, ACCOUNT_HEALTHY, ACCOUNT_SILENT, COUNTRIES, SPIKE_ERROR_CODE, generate, load} from './dataset.js';
import {Column, QueryResult, TestingClickHouseEngine} from './engine.js';
import {TimeRange, VariableValue, dashboardSql, expandBackendMacros} from './macros.js';
import {dashboardsRoot} from './paths.js';
import {DATABASE, applySchema} from './schema.js';

interface Target {
    refId: string;
    rawSql: string;
    format: number;
}

interface Panel {
    id: number;
    type: string;
    title: string;
    interval?: string;
    targets?: Target[];
}

interface Variable {
    name: string;
    type: string;
    query: string;
}

interface Dashboard {
    uid: string;
    title: string;
    panels: Panel[];
    templating: {list: Variable[]};
}

interface AlertQuery {
    refId: string;
    datasourceUid: string;
    relativeTimeRange: {from: number; to: number};
    model: {rawSql?: string; intervalMs?: number; type?: string; expression?: string; conditions?: {evaluator: {type: string; params: number[]}}[]};
}

interface AlertRule {
    uid: string;
    title: string;
    condition: string;
    data: AlertQuery[];
}

const DASHBOARD_FILES = ['delivery-overview.json', 'pipeline-health.json'];
/** Grafana's interval for six hours on a panel about 1,000 pixels wide. */
const DEFAULT_INTERVAL_SECONDS = 30;

const now = new Date(Math.floor(Date.now() / 1000) * 1000);
const dashboardRange: TimeRange = {from: new Date(now.getTime() - 6 * 3600_000), to: now};
const dashboards: Dashboard[] = DASHBOARD_FILES.map((file) => JSON.parse(readFileSync(join(dashboardsRoot, 'generated', file), 'utf8')));
const alertRules: AlertRule[] = parse(readFileSync(join(dashboardsRoot, 'provisioning', 'alerting', 'delivery-ledger.yaml'), 'utf8'))
    .groups.flatMap((group: {rules: AlertRule[]}) => group.rules);

/** Variables as a user sets them: everything "All", then a narrowed multi-value selection. */
const SELECTIONS: {name: string; variables: Record<string, VariableValue>; expectRows: boolean}[] = [
    {name: 'all', variables: {account: ['$__all'], messaging_service: ['$__all'], country: ['$__all'], channel: ['$__all'], stale_hours: '12'}, expectRows: true},
    {name: 'one account, two countries, one channel', variables: {account: [ACCOUNT_FAILING], messaging_service: ['$__all'], country: COUNTRIES.slice(0, 2), channel: ['sms'], stale_hours: '6'}, expectRows: false},
];

/** The expected firing series of each rule: the values of its label columns, joined by '/'. */
const EXPECTED_FIRING: Record<string, string[]> = {
    'delivery-ledger-failure-rate': [ACCOUNT_FAILING],
    'delivery-ledger-error-code-spike': [`${ACCOUNT_FAILING}/${SPIKE_ERROR_CODE}`],
    'delivery-ledger-no-callbacks': [ACCOUNT_SILENT],
    'delivery-ledger-stale-pending': [ACCOUNT_HEALTHY],
    'delivery-ledger-signature-failures': [''],
};

/** The plugin's converters (pkg/converters/converters.go) see through these wrappers to the inner type. */
function baseType(column: Column): string {
    let type = column.type;
    for (let previous = ''; previous !== type;) {
        previous = type;
        type = type.replace(/^(?:Nullable|LowCardinality)\((.*)\)$/, '$1').replace(/^SimpleAggregateFunction\(\w+, (.*)\)$/, '$1');
    }
    return type;
}

const isNumeric = (column: Column) => /^(U?Int\d+|Float\d+|Decimal.*)$/.test(baseType(column));
const isText = (column: Column) => /^(String|FixedString\(\d+\))$/.test(baseType(column));
const isTime = (column: Column) => /^DateTime/.test(baseType(column));

function intervalSeconds(panel: Panel): number {
    const minimum = panel.interval === undefined ? 0 : Number(/^(\d+)m$/.exec(panel.interval)?.[1] ?? NaN) * 60;
    assert.ok(!Number.isNaN(minimum), `panel '${panel.title}' has an interval this test cannot read: ${panel.interval}`);
    return Math.max(DEFAULT_INTERVAL_SECONDS, minimum);
}

function assertShape(panel: Panel, target: Target, result: QueryResult, expectRows: boolean): void {
    const where = `panel '${panel.title}' (${panel.type})`;
    const numeric = result.meta.filter(isNumeric);
    assert.ok(result.meta.every((column) => isNumeric(column) || isText(column) || isTime(column)), `${where}: columns must be numbers, strings or times: ${JSON.stringify(result.meta)}`);
    if (panel.type === 'timeseries') {
        assert.equal(target.format, 0, `${where}: a time series query must use the time series format`);
        assert.equal(result.meta[0]?.name, 'time', `${where}: the first column must be time`);
        assert.ok(isTime(result.meta[0]), `${where}: time must be a DateTime, is ${result.meta[0]?.type}`);
        assert.ok(numeric.length >= 1, `${where}: needs a numeric column, has ${JSON.stringify(result.meta)}`);
        assert.ok(result.meta.slice(1).every((column) => isNumeric(column) || isText(column)), `${where}: columns must be numbers or labels: ${JSON.stringify(result.meta)}`);
        const times = result.data.map((row) => Date.parse(`${row.time}Z`));
        assert.deepEqual(times, [...times].sort((left, right) => left - right), `${where}: rows must be in ascending time`);
    }
    else if (panel.type === 'stat') {
        assert.equal(result.data.length, 1, `${where}: a stat needs exactly one row, got ${result.data.length}`);
        assert.equal(numeric.length, 1, `${where}: a stat needs exactly one numeric column: ${JSON.stringify(result.meta)}`);
        if (expectRows) {
            assert.notEqual(result.data[0][numeric[0].name], null, `${where}: the stat is empty on the data set`);
        }
    }
    else {
        assert.equal(panel.type, 'table', `${where}: no shape check for this panel type`);
        assert.ok(result.meta.length >= 1, `${where}: no columns`);
    }
    if (expectRows) {
        assert.ok(result.data.length >= 1, `${where}: no rows on the data set`);
    }
}

describe('generated dashboards and alert rules against the local ClickHouse engine', () => {
    let engine: TestingClickHouseEngine;
    const options: Record<string, string[]> = {};

    before(async () => {
        engine = await TestingClickHouseEngine.start();
        await applySchema(engine);
        await load(engine, generate(now));
    });

    after(async () => {
        await engine?.stop();
    });

    for (const dashboard of dashboards) {
        describe(dashboard.title, () => {
            it('lists the values of every query variable', async () => {
                const queryVariables = dashboard.templating.list.filter((variable) => variable.type === 'query');
                assert.ok(queryVariables.length >= 1);
                for (const variable of queryVariables) {
                    const sql = dashboardSql(variable.query, SELECTIONS[0].variables, options, dashboardRange, DEFAULT_INTERVAL_SECONDS);
                    const result = await engine.query(sql, DATABASE);
                    assert.equal(result.meta.length, 1, `variable ${variable.name}: one column`);
                    assert.ok(result.data.length >= 2, `variable ${variable.name}: several values on the data set, got ${JSON.stringify(result.data)}`);
                    options[variable.name] = result.data.map((row) => String(Object.values(row)[0]));
                }
            });

            for (const selection of SELECTIONS) {
                it(`runs every panel's query with variables ${selection.name}`, async () => {
                    const panels = dashboard.panels.filter((panel) => panel.type !== 'row');
                    assert.ok(panels.length >= 5);
                    for (const panel of panels) {
                        assert.ok(panel.targets !== undefined && panel.targets.length >= 1, `panel '${panel.title}' has no query`);
                        for (const target of panel.targets) {
                            const sql = dashboardSql(target.rawSql, selection.variables, options, dashboardRange, intervalSeconds(panel));
                            assert.doesNotMatch(sql, /\$/, `panel '${panel.title}': unexpanded variable or macro in\n${sql}`);
                            const result = await engine.query(sql, DATABASE);
                            assertShape(panel, target, result, selection.expectRows);
                        }
                    }
                });
            }
        });
    }

    it('narrows panels by the selected values', async () => {
        const messages = dashboards[0].panels.find((panel) => panel.title === 'Messages');
        assert.ok(messages?.targets);
        const count = async (variables: Record<string, VariableValue>) => {
            const result = await engine.query(dashboardSql(messages.targets![0].rawSql, variables, options, dashboardRange, DEFAULT_INTERVAL_SECONDS), DATABASE);
            return Number(result.data[0].value);
        };
        const all = await count(SELECTIONS[0].variables);
        const narrowed = await count(SELECTIONS[1].variables);
        const expected = await engine.query(`
            SELECT count() AS value FROM message_status
            WHERE first_event_at BETWEEN toDateTime(${dashboardRange.from.getTime() / 1000}) AND toDateTime(${now.getTime() / 1000})
              AND direction = 'outbound'
              AND account_sid = '${ACCOUNT_FAILING}' AND country IN ('US', 'GB') AND channel = 'sms'`, DATABASE);
        assert.ok(all > narrowed && narrowed > 0, `all ${all}, narrowed ${narrowed}`);
        assert.equal(narrowed, Number(expected.data[0].value));
    });

    describe('alert rules', () => {
        it('has an expected outcome for every rule', () => {
            assert.deepEqual(alertRules.map((rule) => rule.uid).sort(), Object.keys(EXPECTED_FIRING).sort());
        });

        for (const rule of alertRules) {
            it(`${rule.title}: returns one number per label set and fires for the planted scenario only`, async () => {
                const query = rule.data.find((entry) => entry.refId === 'A');
                const condition = rule.data.find((entry) => entry.refId === rule.condition);
                assert.ok(query?.model.rawSql !== undefined && condition !== undefined);
                assert.equal(condition.model.type, 'threshold');
                assert.equal(condition.model.expression, 'A');
                const range = {
                    from: new Date(now.getTime() - query.relativeTimeRange.from * 1000),
                    to: new Date(now.getTime() - query.relativeTimeRange.to * 1000),
                };
                const sql = expandBackendMacros(query.model.rawSql, range, (query.model.intervalMs ?? 1000) / 1000);
                assert.doesNotMatch(sql, /\$/, `unexpanded variable or macro in\n${sql}`);
                const result = await engine.query(sql, DATABASE);
                const numbers = result.meta.filter(isNumeric);
                const labels = result.meta.filter((column) => !isNumeric(column));
                assert.equal(numbers.length, 1, `one numeric column, got ${JSON.stringify(result.meta)}`);
                assert.ok(labels.every(isText), `label columns must be strings: ${JSON.stringify(result.meta)}`);
                const series = result.data.map((row) => labels.filter((column) => column.name !== 'description').map((column) => row[column.name]).join('/'));
                assert.equal(new Set(series).size, series.length, `label sets must be unique: ${series}`);
                const evaluator = condition.model.conditions![0].evaluator;
                const fires = (value: number) => evaluator.type === 'gt' ? value > evaluator.params[0] : value < evaluator.params[0];
                const firing = series.filter((_, index) => fires(Number(result.data[index][numbers[0].name])));
                assert.deepEqual(firing.sort(), EXPECTED_FIRING[rule.uid], `firing series of ${rule.uid}; rows: ${JSON.stringify(result.data)}`);
            });
        }
    });
});
