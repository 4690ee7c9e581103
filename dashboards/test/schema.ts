// The service's schema, applied as the service applies it: every migration under
// service/src/main/resources/schema, split into statements the way SchemaMigrator splits them,
// and Twilio's error codes loaded from the file ErrorCodeLoader reads.
import {readFileSync, readdirSync} from 'node:fs';
import {join} from 'node:path';
import {TestingClickHouseEngine} from './engine.js';
import {repositoryRoot} from './paths.js';

export const DATABASE = 'ledger';

const SCHEMA_DIRECTORY = join(repositoryRoot, 'service', 'src', 'main', 'resources', 'schema');

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
