// A private local ClickHouse engine (clickhouse-local/server.js: ClickHouse's HTTP interface over
// chDB) on a free port with a temporary data directory, as the Java tests' TestingClickHouseEngine.
import {ChildProcess, spawn} from 'node:child_process';
import {mkdtempSync, rmSync} from 'node:fs';
import {createServer} from 'node:net';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {repositoryRoot} from './paths.js';

const START_TIMEOUT_MS = 60_000;

export interface Column {
    name: string;
    type: string;
}

export interface QueryResult {
    meta: Column[];
    data: Record<string, unknown>[];
}

export class ClickHouseError extends Error {}

export class TestingClickHouseEngine {
    private constructor(private readonly process: ChildProcess, private readonly url: string, private readonly dataDirectory: string, private readonly log: string[]) {}

    static async start(): Promise<TestingClickHouseEngine> {
        const port = await freePort();
        const dataDirectory = mkdtempSync(join(tmpdir(), 'dashboards-clickhouse-'));
        const log: string[] = [];
        const child = spawn(process.execPath, [join(repositoryRoot, 'clickhouse-local', 'server.js')], {
            env: {...process.env, CLICKHOUSE_LOCAL_PORT: String(port), CLICKHOUSE_LOCAL_DATA: dataDirectory},
            stdio: ['ignore', 'pipe', 'pipe'],
        });
        child.stdout?.on('data', (chunk) => log.push(String(chunk)));
        child.stderr?.on('data', (chunk) => log.push(String(chunk)));
        const engine = new TestingClickHouseEngine(child, `http://127.0.0.1:${port}`, dataDirectory, log);
        await engine.awaitAnswer();
        return engine;
    }

    /** Runs one statement, with ClickHouse settings for it alone; a SELECT's rows come back as JSON with the column types. */
    async query(sql: string, database = 'default', settings: Record<string, string> = {}): Promise<QueryResult> {
        const isSelect = /^\s*(SELECT|WITH)\b/i.test(sql);
        const parameters = new URLSearchParams({...settings, database, output_format_json_quote_64bit_integers: '0'});
        const response = await fetch(`${this.url}/?${parameters}`, {method: 'POST', body: isSelect ? `${sql}\nFORMAT JSON` : sql});
        const body = await response.text();
        if (!response.ok) {
            throw new ClickHouseError(`${body.trim()}\nQuery:\n${sql}`);
        }
        if (!isSelect) {
            return {meta: [], data: []};
        }
        const parsed = JSON.parse(body) as QueryResult;
        return {meta: parsed.meta, data: parsed.data};
    }

    /** Inserts rows given as objects, one JSON object a line. */
    async insert(table: string, rows: object[], database: string): Promise<void> {
        if (rows.length === 0) {
            return;
        }
        const parameters = new URLSearchParams({database, query: `INSERT INTO ${table} FORMAT JSONEachRow`});
        const response = await fetch(`${this.url}/?${parameters}`, {method: 'POST', body: rows.map((row) => JSON.stringify(row)).join('\n')});
        if (!response.ok) {
            throw new ClickHouseError(`Insert into ${table} failed: ${(await response.text()).trim()}`);
        }
    }

    async stop(): Promise<void> {
        if (this.process.exitCode === null && this.process.signalCode === null) {
            const exited = new Promise((resolve) => this.process.once('exit', resolve));
            this.process.kill('SIGTERM');
            await exited;
        }
        rmSync(this.dataDirectory, {recursive: true, force: true});
    }

    private async awaitAnswer(): Promise<void> {
        const deadline = Date.now() + START_TIMEOUT_MS;
        while (Date.now() < deadline) {
            if (this.process.exitCode !== null) {
                throw new Error(`The local ClickHouse engine exited during start-up:\n${this.log.join('')}`);
            }
            try {
                const response = await fetch(`${this.url}/ping`);
                if (response.ok) {
                    return;
                }
            }
            catch {
                // not listening yet
            }
            await new Promise((resolve) => setTimeout(resolve, 200));
        }
        await this.stop();
        throw new Error(`The local ClickHouse engine did not answer within ${START_TIMEOUT_MS} ms:\n${this.log.join('')}`);
    }
}

function freePort(): Promise<number> {
    return new Promise((resolve, reject) => {
        const server = createServer();
        server.once('error', reject);
        server.listen(0, '127.0.0.1', () => {
            const address = server.address();
            const port = typeof address === 'object' && address !== null ? address.port : 0;
            server.close(() => resolve(port));
        });
    });
}
