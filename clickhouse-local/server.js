'use strict';

// Local ClickHouse engine: ClickHouse's HTTP interface, served on loopback over
// one embedded chDB session, so the service and its tests get a real ClickHouse
// (MergeTree, materialized views, every format) where no server can be installed.
// It is for development and tests; production runs a ClickHouse server.
//
// Differences from a server, on purpose or by chDB's nature:
//  - no users: any user, password or basic-auth header is accepted and ignored;
//  - statements run one at a time (chDB serialises its session anyway), and a
//    SELECT holds the session until its output has been sent;
//  - HTTP response compression (enable_http_compression=1) offers gzip, deflate
//    and br only; other Accept-Encodings are answered unencoded;
//  - no sessions (session_id is ignored) and GET requests are not read-only.
//
// Configuration: CLICKHOUSE_LOCAL_PORT (8123), CLICKHOUSE_LOCAL_DATA
// (<repository>/.data/clickhouse).

// ClickHouse takes its server time zone from TZ when it starts; UTC is what the
// service and its tests assume.
process.env.TZ = 'UTC';

const crypto = require('crypto');
const fs = require('fs');
const http = require('http');
const os = require('os');
const path = require('path');
const zlib = require('zlib');
const lz4 = require('lz4js');
const { decompressBlocks } = require('./lib/compression');
const { ClickHouseError } = require('./lib/errors');
const { LocalEngine } = require('./lib/engine');
const { QueryResponse, isEnabled } = require('./lib/response');

const HOST = '127.0.0.1';
const PORT = Number(process.env.CLICKHOUSE_LOCAL_PORT || 8123);
const DATA_PATH = path.resolve(process.env.CLICKHOUSE_LOCAL_DATA || path.join(__dirname, '..', '.data', 'clickhouse'));
// ClickHouse's own keep-alive timeout; the driver's pool keeps idle connections
// only as long as the Keep-Alive header allows.
const KEEP_ALIVE_MILLISECONDS = 30_000;

// URL parameters that belong to the HTTP interface; every other parameter is a
// setting for the one query (ClickHouse's HTTPHandler reserves the same names).
const HTTP_PARAMETERS = new Set([
  'query', 'query_id', 'database', 'default_format', 'compress', 'decompress',
  'user', 'password', 'quota_key', 'role', 'stacktrace', 'buffer_size', 'wait_end_of_query',
  'session_id', 'session_timeout', 'session_check', 'close_session', 'client_protocol_version',
]);
const QUERY_PARAMETER_PREFIX = 'param_';

const SERVER_NAME = os.hostname();

async function main() {
  fs.mkdirSync(DATA_PATH, { recursive: true });
  let engine;
  try {
    engine = await LocalEngine.open(DATA_PATH);
  } catch (error) {
    console.error(`clickhouse-local: cannot open ${DATA_PATH}: ${error.message}`);
    process.exit(1);
  }

  let activeRequests = 0;
  let stopping = false;
  const server = http.createServer((request, response) => {
    activeRequests++;
    response.on('close', () => {
      activeRequests--;
      finishStopping();
    });
    if (stopping) {
      response.setHeader('Connection', 'close');
    }
    serve(engine, request, response);
  });
  server.keepAliveTimeout = KEEP_ALIVE_MILLISECONDS;
  server.headersTimeout = KEEP_ALIVE_MILLISECONDS + 5_000;

  // Requests already received are answered; then the session is closed, which
  // releases the data directory. MergeTree parts are on disk once their INSERT
  // has returned, so nothing else needs flushing.
  let exiting = false;
  function finishStopping() {
    if (stopping && activeRequests === 0 && !exiting) {
      exiting = true;
      engine.close().then(() => {
        console.log('clickhouse-local: stopped');
        process.exit(0);
      }, (error) => {
        console.error(`clickhouse-local: closing the session failed: ${error.message}`);
        process.exit(1);
      });
    }
  }
  for (const signal of ['SIGTERM', 'SIGINT']) {
    process.on(signal, () => {
      stopping = true;
      server.close();
      server.closeIdleConnections();
      finishStopping();
    });
  }

  server.on('error', (error) => {
    console.error(`clickhouse-local: cannot listen on ${HOST}:${PORT}: ${error.message}`);
    process.exit(1);
  });
  server.listen(PORT, HOST, () => {
    console.log(`clickhouse-local: ClickHouse ${engine.version} (chDB) listening on http://${HOST}:${PORT}, data in ${DATA_PATH}`);
  });
}

async function serve(engine, request, response) {
  const url = new URL(request.url, 'http://localhost');
  const queryId = url.searchParams.get('query_id') || request.headers['x-clickhouse-query-id'] || crypto.randomUUID();
  const commonHeaders = {
    'X-ClickHouse-Query-Id': queryId,
    'X-ClickHouse-Server-Display-Name': SERVER_NAME,
    'X-ClickHouse-Timezone': engine.timezone,
  };
  const output = new QueryResponse(response, { headers: commonHeaders, ...QueryResponse.optionsFor(url.searchParams, request.headers) });
  try {
    const body = await readBody(request);
    if (url.pathname === '/ping' || (url.pathname === '/' && request.method === 'GET' && !url.searchParams.has('query'))) {
      QueryResponse.sendPlain(response, 200, { 'Content-Type': 'text/plain; charset=UTF-8' }, 'Ok.\n');
      return;
    }
    if (url.pathname !== '/') {
      QueryResponse.sendPlain(response, 404, { 'Content-Type': 'text/plain; charset=UTF-8' }, `There is no handle ${url.pathname}\n`);
      return;
    }
    if (request.method !== 'GET' && request.method !== 'POST') {
      QueryResponse.sendPlain(response, 405, { 'Content-Type': 'text/plain; charset=UTF-8', Allow: 'GET, POST' }, '');
      return;
    }
    const result = await engine.execute(parseQueryRequest(url, request.headers, body), output);
    output.finish({
      // chDB reports the size of a result but not how much it read to make it.
      read_rows: result.result.rows,
      read_bytes: result.result.bytes,
      written_rows: result.written.rows,
      written_bytes: result.written.bytes,
      total_rows_to_read: result.result.rows,
      result_rows: result.result.rows,
      result_bytes: result.result.bytes,
    });
  } catch (thrown) {
    const error = ClickHouseError.fromThrown(thrown);
    console.error(`${new Date().toISOString()} query_id=${queryId} ${error.message.split('\n', 1)[0]}`);
    output.fail(error);
  }
}

// Splits a request into the statement and how to run it, as ClickHouse does:
// a `query` URL parameter is the start of the statement and the body follows
// it on the next line (for an INSERT, the body is its data); without one, the
// body is the whole statement. The body is decoded first: HTTP Content-Encoding,
// then ClickHouse's native compression if `decompress=1`.
function parseQueryRequest(url, headers, rawBody) {
  const parameters = url.searchParams;
  const encodedBody = decodeContent(headers['content-encoding'], rawBody);
  const body = isEnabled(parameters.get('decompress')) ? decompressBlocks(encodedBody) : encodedBody;
  const query = parameters.get('query');
  const settings = new Map();
  const queryParameters = {};
  for (const [name, value] of parameters) {
    if (name.startsWith(QUERY_PARAMETER_PREFIX)) {
      queryParameters[name.slice(QUERY_PARAMETER_PREFIX.length)] = value;
    } else if (!HTTP_PARAMETERS.has(name)) {
      settings.set(name, value);
    }
  }
  return {
    text: query === null ? body : Buffer.concat([Buffer.from(`${query}\n`, 'utf8'), body]),
    format: parameters.get('default_format') || headers['x-clickhouse-format'] || 'TabSeparated',
    database: parameters.get('database') || headers['x-clickhouse-database'] || 'default',
    settings,
    parameters: queryParameters,
  };
}

// A request body in HTTP Content-Encoding, as ClickHouse decodes it whether or
// not enable_http_compression is set.
function decodeContent(encoding, body) {
  const name = (encoding || 'identity').trim().toLowerCase();
  try {
    switch (name) {
      case 'identity':
      case 'none':
      case '':
        return body;
      case 'gzip':
      case 'x-gzip':
        return zlib.gunzipSync(body);
      case 'deflate':
        return zlib.inflateSync(body);
      case 'br':
        return zlib.brotliDecompressSync(body);
      case 'lz4':
        return Buffer.from(lz4.decompress(body));
      default:
        break;
    }
  } catch (error) {
    throw ClickHouseError.of(432, 'CANNOT_DECOMPRESS', `Cannot decode the request body (Content-Encoding: ${name}): ${error.message}`);
  }
  throw ClickHouseError.of(48, 'NOT_IMPLEMENTED', `The local ClickHouse engine does not decode Content-Encoding: ${name}`);
}

function readBody(request) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    request.on('data', (chunk) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks)));
    request.on('error', reject);
  });
}

main();
