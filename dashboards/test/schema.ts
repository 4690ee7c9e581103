// The service's schema, applied as the service applies it: every migration under
// service/src/main/resources/schema, split into statements the way SchemaMigrator splits them,
// and Twilio's error codes loaded from the file ErrorCodeLoader reads.
import {readFileSync, readdirSync} from 'node:fs';
import {join} from 'node:path';
import {TestingClickHouseEngine} from './engine.js';
import {repositoryRoot} from './paths.js';

export const DATABASE = 'ledger';

const SCHEMA_DIRECTORY = join(repositoryRoot, 'service', 'src', 'main', 'resources', 'schema');

/**
 * Tables the dashboards read that no migration on this branch creates yet.
 * - reconciliation_runs: the integrator's V002, with the DDL agreed for it. DROP THIS ENTRY WHEN
 *   V002 LANDS (IF NOT EXISTS keeps it harmless meanwhile, but the migration must be what is tested).
 * - forbidden_requests: PROPOSED for the service (403s are only metrics today; see the README,
 *   "Dashboards and alerts"): one row per minute, endpoint and reason with the number of requests.
 */
const NOT_YET_MIGRATED = [
    `CREATE TABLE IF NOT EXISTS reconciliation_runs
    (
        run_id String,
        trigger LowCardinality(String),
        started_at DateTime64(3, 'UTC'),
        finished_at DateTime64(3, 'UTC'),
        window_from Nullable(DateTime64(3, 'UTC')),
        window_to Nullable(DateTime64(3, 'UTC')),
        stale_after_seconds UInt64,
        checked UInt64,
        fixed UInt64,
        not_found UInt64,
        api_calls UInt64,
        rate_limited UInt64,
        outcome LowCardinality(String),
        error String
    )
    ENGINE = MergeTree
    ORDER BY started_at`,
    `CREATE TABLE IF NOT EXISTS forbidden_requests
    (
        minute DateTime('UTC'),
        endpoint LowCardinality(String),
        reason LowCardinality(String),
        requests UInt64
    )
    ENGINE = SummingMergeTree
    PARTITION BY toYYYYMM(minute)
    ORDER BY (minute, endpoint, reason)`,
];

/** SchemaMigrator.statements: drop lines starting with --, split at a ; that ends a line. */
export function statements(sql: string): string[] {
    const withoutComments = sql.split('\n').filter((line) => !line.trimStart().startsWith('--')).map((line) => `${line}\n`).join('');
    return withoutComments.split(/;\s*(?:\n|$)/).map((statement) => statement.trim()).filter((statement) => statement !== '');
}

export function migrationFiles(): string[] {
    return readdirSync(SCHEMA_DIRECTORY)
        .filter((name) => /^V\d+__.*\.sql$/.test(name))
        .sort((left, right) => Number(left.slice(1, left.indexOf('__'))) - Number(right.slice(1, right.indexOf('__'))));
}

export async function applySchema(engine: TestingClickHouseEngine): Promise<void> {
    await engine.query(`CREATE DATABASE IF NOT EXISTS ${DATABASE}`);
    for (const file of migrationFiles()) {
        for (const statement of statements(readFileSync(join(SCHEMA_DIRECTORY, file), 'utf8'))) {
            await engine.query(statement, DATABASE);
        }
    }
    for (const statement of NOT_YET_MIGRATED) {
        await engine.query(statement, DATABASE);
    }
    await engine.insert('twilio_error_codes', errorCodes(), DATABASE);
}

/** ErrorCodeLoader's reading of twilio-error-codes.tsv: code TAB description, # comments. */
export function errorCodes(): {code: number; description: string}[] {
    return readFileSync(join(SCHEMA_DIRECTORY, 'twilio-error-codes.tsv'), 'utf8')
        .split('\n')
        .filter((line) => line.trim() !== '' && !line.startsWith('#'))
        .map((line) => {
            const [code, description] = line.split('\t');
            return {code: Number(code), description: description.trim()};
        });
}
