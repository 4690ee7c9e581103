// Every query in the generated dashboards and alert rules, expanded as the plugin expands it, runs
// against the local ClickHouse engine on the generated data set, with the read model built from it
// as the service builds it, and returns what its panel or rule needs; the key panels show exactly
// what message_status gives with the definitions of the API (expected.ts), and the alert rules fire
// for exactly the planted scenarios.
import assert from 'node:assert/strict';
import {readFileSync} from 'node:fs';
import {join} from 'node:path';
import {after, before, describe, it} from 'node:test';
import {parse} from 'yaml';
import {ACCOUNT_FAILING, ACCOUNT_HEALTHY, ACCOUNT_SILENT, COUNTRIES, NO_RECEIPT_MESSAGES, SPIKE_ERROR_CODE, generate, load} from './dataset.js';
import {Column, QueryResult, TestingClickHouseEngine} from './engine.js';
import {
    GROUPS, Message, count, firstSeenIn, groupBy, intervalOf, isStalePending, medianLatency, rates, readMessages, selected, seriesFirstSeenIn,
} from './expected.js';
import {TimeRange, VariableValue, dashboardSql, expandBackendMacros} from './macros.js';
import {PROMETHEUS_TYPE} from '../src/prometheus.js';
import {dashboardsRoot} from './paths.js';
import {buildReadModel} from './readmodel.js';
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
    datasource?: {type: string; uid: string};
    targets?: Target[];
    fieldConfig?: {overrides: {matcher: {id: string; options: string}; properties: {id: string; value: unknown}[]}[]};
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

/**
 * Ranges over which the key panels are recomputed, each with an interval that has the time series
 * read another granularity; all but the longest start among messages (the last 24 hours, 8-9 days
 * ago), so that the minutes, hours and day at their start count.
 */
const CHECKED_RANGES = [
    {name: 'the last 6 hours', hours: 6, intervalSeconds: 60},
    {name: 'the last 20 hours', hours: 20, intervalSeconds: 3600},
    {name: 'the last 8.5 days', hours: 204, intervalSeconds: 86400},
    {name: 'the last 10 days', hours: 240, intervalSeconds: 3600},
];
/**
 * The key panels run as on a server whose time zone is half an hour off UTC, where the plugin's
 * $__fromTime and $__toTime are DateTimes: the read model's hours and days are UTC, and a bound taken
 * in the server's zone would cut one in half.
 */
const SERVER_TIME_ZONE = {session_timezone: 'Asia/Kolkata'};

const BREAKDOWNS: {title: string; label: string; column: keyof Message}[] = [
    {title: 'By destination country', label: 'Country', column: 'country'},
    {title: 'By messaging service', label: 'Messaging service', column: 'messaging_service_sid'},
    {title: 'By sender number', label: 'Sender', column: 'from_address'},
];
const BREAKDOWN_COLUMNS = ['Messages', 'Delivered', 'Failed', 'Pending', 'No receipt', 'Delivery rate'];

const LATENCIES: {title: string; start: 'queued_at' | 'sent_at'; end: 'sent_at' | 'delivered_at'}[] = [
    {title: 'Delivery latency (sent → delivered)', start: 'sent_at', end: 'delivered_at'},
    {title: 'Queue latency (queued → sent)', start: 'queued_at', end: 'sent_at'},
];

/** The expected firing series of each rule: the values of its label columns, joined by '/'. */
const EXPECTED_FIRING: Record<string, string[]> = {
    'delivery-ledger-failure-rate': [ACCOUNT_FAILING],
    'delivery-ledger-error-code-spike': [`${ACCOUNT_FAILING}/${SPIKE_ERROR_CODE}`],
    'delivery-ledger-no-callbacks': [ACCOUNT_SILENT],
    'delivery-ledger-stale-pending': [ACCOUNT_HEALTHY],
    'delivery-ledger-signature-failures': [''],
};

function pick<Value>(row: Record<string, Value>, columns: readonly string[]): Record<string, Value> {
    return Object.fromEntries(columns.map((column) => [column, row[column]]));
}

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
    for (const override of panel.fieldConfig?.overrides ?? []) {
        assert.equal(override.matcher.id, 'byName', `${where}: overrides match fields by name`);
        assert.ok(result.meta.some((column) => column.name === override.matcher.options), `${where}: override of '${override.matcher.options}', which the query does not return`);
    }
}

describe('generated dashboards and alert rules against the local ClickHouse engine', () => {
    let engine: TestingClickHouseEngine;
    const options: Record<string, string[]> = {};

    before(async () => {
        engine = await TestingClickHouseEngine.start();
        await applySchema(engine);
        await load(engine, generate(now));
        await buildReadModel(engine);
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
                    // Panels of the service's metrics read Prometheus (provisioning.test.ts and the service's tests check them).
                    const panels = dashboard.panels.filter((panel) => panel.type !== 'row' && panel.datasource?.type !== PROMETHEUS_TYPE);
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

    describe('key panels equal the recomputation from message_status', () => {
        let messages: Message[];

        before(async () => {
            messages = await readMessages(engine);
        });

        for (const checked of CHECKED_RANGES) {
            for (const selection of SELECTIONS) {
                describe(`over ${checked.name}, with variables ${selection.name}`, () => {
                    const range = {from: new Date(now.getTime() - checked.hours * 3600_000), to: now};
                    /** The rows of the panel of that title and type (two panels may share a title). */
                    const rows = async (title: string, type: string) => {
                        const panel = dashboards.flatMap((dashboard) => dashboard.panels).find((candidate) => candidate.title === title && candidate.type === type);
                        assert.ok(panel?.targets, `no ${type} panel '${title}'`);
                        const sql = dashboardSql(panel.targets[0].rawSql, selection.variables, options, range, checked.intervalSeconds);
                        return (await engine.query(sql, DATABASE, SERVER_TIME_ZONE)).data;
                    };
                    const stat = async (title: string) => Object.values((await rows(title, 'stat'))[0])[0];
                    const outbound = () => messages.filter(selected(selection.variables, ['account', 'messaging_service', 'country', 'channel']));
                    const inRange = () => outbound().filter(firstSeenIn(range));
                    /** The time series' intervals, ascending, with their messages. */
                    const intervals = () => [...groupBy(outbound().filter(seriesFirstSeenIn(range, checked.intervalSeconds)), (message) => intervalOf(message, checked.intervalSeconds))]
                        .sort(([left], [right]) => left - right);
                    const series = async (title: string, columns: readonly string[]) =>
                        (await rows(title, 'timeseries')).map((row) => ({time: Date.parse(`${row.time}Z`), ...pick(row, columns)}));

                    it('stats', async () => {
                        const counts = count(inRange(), now);
                        assert.ok(counts.Messages > 0, 'the check needs messages in the range');
                        assert.equal(await stat('Messages'), counts.Messages);
                        assert.equal(await stat('Delivery rate'), rates(counts).delivery);
                        assert.equal(await stat('Failure rate'), rates(counts).failure);
                        assert.equal(await stat('Pending'), counts.Pending);
                        assert.equal(await stat('No receipt'), counts['No receipt']);
                        if (checked.hours > 9 * 24 && selection.name === 'all') {
                            assert.ok(counts['No receipt'] >= NO_RECEIPT_MESSAGES, `no receipt: ${counts['No receipt']}`);
                        }
                    });

                    it('breakdowns by country, messaging service and sender', async () => {
                        for (const {title, label, column} of BREAKDOWNS) {
                            const actual = new Map((await rows(title, 'table')).map((row) => [row[label], pick(row, BREAKDOWN_COLUMNS)]));
                            const expected = new Map([...groupBy(inRange(), (message) => message[column])].map(([key, keyMessages]) => {
                                const counts = count(keyMessages, now);
                                return [key, {...pick(counts, BREAKDOWN_COLUMNS), 'Delivery rate': rates(counts).delivery}];
                            }));
                            assert.deepEqual(actual, expected, title);
                        }
                    });

                    it('top error codes', async () => {
                        const codes = await rows('Top error codes', 'table');
                        assert.ok(codes.every((row) => row.Description !== ''), `every code has Twilio's description: ${JSON.stringify(codes)}`);
                        const withCode = inRange().filter((message) => message.error_code !== null && message.error_code !== 0);
                        assert.deepEqual(
                            new Map(codes.map((row) => [row['Error code'], pick(row, ['Messages', 'Undelivered', 'Failed'])])),
                            new Map([...groupBy(withCode, (message) => message.error_code)].map(([code, codeMessages]) => [code, {
                                Messages: codeMessages.length,
                                Undelivered: codeMessages.filter((message) => message.status === 'undelivered').length,
                                Failed: codeMessages.filter((message) => message.status === 'failed').length,
                            }])));
                    });

                    it('messages by status and failure rate per interval', async () => {
                        assert.deepEqual(await series('Messages by status', GROUPS),
                            intervals().map(([time, intervalMessages]) => ({time, ...pick(count(intervalMessages, now), GROUPS)})));
                        assert.deepEqual(await series('Failure rate', ['failure_rate']),
                            intervals().map(([time, intervalMessages]) => ({time, failure_rate: rates(count(intervalMessages, now)).failure})));
                    });

                    it('median latencies per interval', async () => {
                        for (const {title, start, end} of LATENCIES) {
                            const medians = intervals()
                                .map(([time, intervalMessages]) => ({time, median: medianLatency(intervalMessages, start, end)}))
                                .filter((interval) => interval.median !== null);
                            assert.deepEqual(await series(title, ['p50']), medians.map(({time, median}) => ({time, p50: median! / 1000})), title);
                        }
                    });

                    it('stale pending messages', async () => {
                        const staleHours = Number(selection.variables.stale_hours);
                        const stale = messages.filter(selected(selection.variables, ['account'])).filter((message) => isStalePending(message, now, staleHours));
                        assert.equal(await stat('Stale pending messages'), stale.length);
                    });
                });
            }
        }
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
