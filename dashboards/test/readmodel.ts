// The read model (status_counts, latency_histograms, messages_by_minute) built from the loaded
// status_events as the service builds it: one step of readmodel/changes.sql over every event with
// no earlier state, as ReadModelStatements.changesOf(Source.BUILD) fills it in for the first build of
// ReadModelApplier, inserted into read_model_changes, whose materialized views fill the tables.
import {readFileSync} from 'node:fs';
import {join} from 'node:path';
import {TestingClickHouseEngine} from './engine.js';
import {repositoryRoot} from './paths.js';
import {DATABASE} from './schema.js';

const CHANGES_FILE = join(repositoryRoot, 'service', 'src', 'main', 'resources', 'readmodel', 'changes.sql');

/** ReadModelStatements.EVENT_COLUMNS and RECEIPT_TIME, reading status_events (the build's source) without its time bounds. */
const EVENTS = `SELECT message_sid, account_sid, messaging_service_sid, direction, country, channel, from_address, to_address, number_type, tags, status, status_rank, error_code, event_time,
  ifNull(toDateTime64(parseDateTimeOrNull(parameters['RawDlrDoneDate'], '%y%m%d%H%i', 'UTC'), 3, 'UTC'), event_time) AS receipt_time
FROM status_events`;

/**
 * ReadModelStatements.changesOf's previous states, for a first build: none (WHERE 0). Its
 * STATE_COLUMNS are the columns of read_model_state but message_sid and version.
 */
function noPreviousState(stateColumns: string[]): string {
    const columns = stateColumns.map((column) => `argMax(state.${column}, state.version) AS ${column}`).join(', ');
    return `SELECT state.message_sid AS message_sid, max(state.version) AS version, ${columns} FROM read_model_state AS state WHERE 0 GROUP BY state.message_sid`;
}

export async function buildReadModel(engine: TestingClickHouseEngine): Promise<void> {
    const stateColumns = await engine.query(`
        SELECT name FROM system.columns
        WHERE database = '${DATABASE}' AND table = 'read_model_state' AND name NOT IN ('message_sid', 'version')
        ORDER BY position`, DATABASE);
    const changes = readFileSync(CHANGES_FILE, 'utf8')
        .split('\n')
        .filter((line) => !line.trimStart().startsWith('--'))
        .join('\n')
        .replaceAll('{events}', EVENTS)
        .replaceAll('{previous}', noPreviousState(stateColumns.data.map((row) => String(row.name))))
        .replaceAll('{version:UInt64}', '1');
    await engine.query(`INSERT INTO read_model_changes ${changes}`, DATABASE);
}
