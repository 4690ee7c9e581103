// The port of the plugin's macro expansion gives what the plugin's own tests expect
// (pkg/macros/macros_test.go and src/data/CHDatasource.test.ts of grafana-clickhouse-datasource 4.20.0).
import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {applyConditionalAll, expandBackendMacros, replaceVariables} from './macros.js';

const range = {from: new Date('2014-11-12T11:45:26.123Z'), to: new Date('2015-11-12T11:45:26.456Z')};

describe('backend macros (pkg/macros/macros_test.go)', () => {
    const cases: [string, string][] = [
        ['select * from foo where $__timeFilter(cast(sth as timestamp))',
            'select * from foo where cast(sth as timestamp) >= toDateTime(1415792726) AND cast(sth as timestamp) <= toDateTime(1447328726)'],
        ['select * from foo where $__timeFilter(cast(sth as timestamp) )',
            'select * from foo where cast(sth as timestamp) >= toDateTime(1415792726) AND cast(sth as timestamp) <= toDateTime(1447328726)'],
        ['select * from foo where $__timeFilter_ms(cast(sth as timestamp))',
            'select * from foo where cast(sth as timestamp) >= fromUnixTimestamp64Milli(1415792726123) AND cast(sth as timestamp) <= fromUnixTimestamp64Milli(1447328726456)'],
        ['select * from foo where ( date >= $__fromTime and date <= $__toTime ) limit 100',
            'select * from foo where ( date >= toDateTime(1415792726) and date <= toDateTime(1447328726) ) limit 100'],
        ['select * from foo where ( date >= $__fromTime_ms ) and ( date <= $__toTime_ms ) limit 100',
            'select * from foo where ( date >= fromUnixTimestamp64Milli(1415792726123) ) and ( date <= fromUnixTimestamp64Milli(1447328726456) ) limit 100'],
        ['SELECT $__timeInterval($__fromTime) AS from_time',
            'SELECT toStartOfInterval(toDateTime(toDateTime(1415792726)), INTERVAL 60 second) AS from_time'],
        ['select * from foo where $__timeFilter(coalesce(closed_at, $__toTime))',
            'select * from foo where coalesce(closed_at, toDateTime(1447328726)) >= toDateTime(1415792726) AND coalesce(closed_at, toDateTime(1447328726)) <= toDateTime(1447328726)'],
        ['SELECT $__interval_s', 'SELECT 60'],
    ];
    for (const [input, output] of cases) {
        it(input, () => assert.equal(expandBackendMacros(input, range, 60), output));
    }

    it('an interval under a second is one second', () => {
        assert.equal(expandBackendMacros('$__timeInterval(t)', range, 0.2), 'toStartOfInterval(toDateTime(t), INTERVAL 1 second)');
    });

    it('refuses a macro it does not know', () => {
        assert.throws(() => expandBackendMacros('SELECT $__timeGroupAlias(t, 1m)', range, 60), /Unknown macro/);
    });
});

describe('$__conditionalAll and variables (src/data/CHDatasource.ts)', () => {
    const sql = 'SELECT * FROM t WHERE $__conditionalAll(a IN (${a}), $a) AND $__conditionalAll(b IN ($b), ${b})';

    it('drops the condition of a variable set to All', () => {
        assert.equal(applyConditionalAll(sql, {a: '$__all', b: ['x']}), 'SELECT * FROM t WHERE 1=1 AND b IN ($b)');
        assert.equal(applyConditionalAll(sql, {a: ['$__all'], b: ''}), 'SELECT * FROM t WHERE 1=1 AND 1=1');
    });

    it('quotes a multi-value selection and leaves a single value as it is', () => {
        const conditioned = applyConditionalAll(sql, {a: ['x', 'y'], b: ['z']});
        assert.equal(replaceVariables(conditioned, {a: ['x', 'y'], b: ['z']}, {}), "SELECT * FROM t WHERE a IN ('x','y') AND b IN ('z')");
        assert.equal(replaceVariables('INTERVAL ${hours} HOUR', {hours: '12'}, {}), 'INTERVAL 12 HOUR');
    });

    it('leaves macros and unknown variables alone', () => {
        assert.equal(replaceVariables('$__timeFilter(t) AND $other', {a: 'x'}, {}), '$__timeFilter(t) AND $other');
    });
});
