'use strict';

// One chDB connection on a data directory, running one statement at a time as
// if each were a separate request to a ClickHouse server.
//
// chDB has one session, where a server gives every HTTP request a fresh query
// context. So whatever a request changes in the session (its database, its
// URL settings, a SET or USE it runs) is undone before the next request runs.

const { execFileSync } = require('child_process');
const fs = require('fs');
const net = require('net');
const path = require('path');
const { ClickHouseError } = require('./errors');
const { describeStatement } = require('./statement');

// The native addon, not chDB's JavaScript API, because only the addon
//  - takes query parameters as ClickHouse's HTTP interface does, already in
//    escaped text form (the API escapes strings once more),
//  - reports the rows any INSERT wrote, materialized views included (the API
//    reports them only for inserts it writes itself, in text formats).
// chDB's package exports no path to it, so it is loaded as chDB loads it.
const native = require(path.join(path.dirname(require.resolve('chdb')), 'dist', 'loader.js')).loadNative();

const EMPTY = Buffer.alloc(0);
const SETTING_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const FORMAT_NAME = /^[A-Za-z][A-Za-z0-9_]*$/;
const DEFAULT_DATABASE = 'default';
// Statements whose output streams to the client while they run; the others
// (SHOW, DESCRIBE, EXPLAIN...) answer with little and are sent whole.
const STREAMED_KINDS = new Set(['SELECT', 'WITH']);

class LocalEngine {
  #connection;
  #baselineSettings;
  #insertDataFile;
  #outputPipe;
  #database = null;
  #queue = Promise.resolve();

  constructor(connection, baselineSettings, files, version, timezone) {
    this.#connection = connection;
    this.#baselineSettings = baselineSettings;
    this.#insertDataFile = files.insertDataFile;
    this.#outputPipe = files.outputPipe;
    this.version = version;
    this.timezone = timezone;
  }

  // Opens the data directory; chDB locks it, so a second process on the same
  // directory fails here rather than corrupting it.
  static async open(dataPath) {
    const directory = path.resolve(dataPath);
    const connection = native.CreateConnection(directory);
    if (!connection) {
      throw new Error(`chDB could not open ${directory}`);
    }
    // In ClickHouse's own temporary directory, which only this process may use
    // while it holds the lock; a file left by a killed process is replaced. No
    // extension, because FROM INFILE picks a decompression method by extension.
    const insertDataFile = path.join(directory, 'tmp', 'clickhouse-local-insert-data');
    fs.mkdirSync(path.dirname(insertDataFile), { recursive: true });
    // Where a streamed SELECT writes its output (see #stream), beside it.
    const outputPipe = path.join(directory, 'tmp', 'clickhouse-local-output');
    makeFifo(outputPipe);
    const query = async (sql) => parseJsonRows((await native.QueryAsyncConnection(connection, sql, 'JSONEachRow')).bytes);
    // chDB changes a few settings from their defaults when it starts; resetting a
    // setting must restore those values, not ClickHouse's defaults.
    const baseline = new Map((await query('SELECT name, value FROM system.settings WHERE changed'))
      .map((row) => [row.name, row.value]));
    const [server] = await query('SELECT version() AS version, timezone() AS timezone');
    return new LocalEngine(connection, baseline, { insertDataFile, outputPipe }, server.version, server.timezone);
  }

  // Runs one request. chDB would serialise statements on its one session anyway;
  // queueing them here keeps each request's setup and cleanup next to its statement.
  //   request.text        the statement, followed by an INSERT's data (Buffer)
  //   request.format      output format unless the statement has a FORMAT clause
  //   request.database    current database for this request
  //   request.settings    Map of ClickHouse settings for this request only
  //   request.parameters  { name: value } for {name:Type} placeholders
  // The output goes to `output` (a QueryResponse: setFormat, write, onceDrained,
  // onceClosed, closed) as it is produced. The next request runs once this one's
  // output has been handed over in full.
  // Resolves to { written: { rows, bytes }, result: { rows, bytes } }.
  execute(request, output) {
    const run = this.#queue.then(() => this.#run(request, output));
    this.#queue = run.catch(() => {});
    return run;
  }

  // Waits for the queued requests, then releases the data directory.
  async close() {
    await this.#queue;
    native.CloseConnection(this.#connection);
  }

  async #run(request, output) {
    const statement = describeStatement(request.text.toString('latin1'));
    await this.#useDatabase(request.database || DEFAULT_DATABASE);
    await this.#applySettings(request.settings);
    try {
      output.setFormat(statement.outputFormat || request.format);
      const result = await this.#runStatement(statement, request, output);
      if (result.body) {
        output.write(result.body);
      }
      return { written: result.written, result: result.result };
    } finally {
      const changed = [...request.settings.keys()];
      if (statement.kind === 'SET') {
        changed.push(...await this.#settingsChangedSinceStart());
      }
      await this.#restoreSettings(changed);
      if (statement.kind === 'USE') {
        this.#database = null;
      }
    }
  }

  // One SET for all of a request's settings. If it fails part-way (an unknown
  // name, a bad value), some may already have been applied, so every setting
  // that differs from the start is restored.
  async #applySettings(settings) {
    if (settings.size === 0) {
      return;
    }
    const assignments = [...settings].map(([name, value]) => `${settingName(name)} = ${quote(value)}`);
    try {
      await this.#query(`SET ${assignments.join(', ')}`);
    } catch (error) {
      await this.#restoreSettings(await this.#settingsChangedSinceStart());
      throw error;
    }
  }

  async #runStatement(statement, request, output) {
    const hasParameters = Object.keys(request.parameters).length > 0;
    if (STREAMED_KINDS.has(statement.kind) && !statement.intoOutfile) {
      return this.#stream(statement, request, output);
    }
    if (statement.kind === 'INSERT' && statement.insertData) {
      if (hasParameters) {
        throw ClickHouseError.of(48, 'NOT_IMPLEMENTED',
          'The local ClickHouse engine cannot bind query parameters in an INSERT that carries data');
      }
      return this.#insertFromFile(request.text, statement.insertData, request.format);
    }
    const sql = request.text.toString('utf8');
    if (statement.kind === 'INSERT' && !hasParameters) {
      return this.#insert(sql, request.format);
    }
    // chDB reports no rows written through this entry point, so an INSERT ...
    // SELECT with parameters reports zero rows written.
    const result = hasParameters
      ? await native.QueryAsyncConnection(this.#connection, sql, request.format, request.parameters)
      : await native.QueryAsyncConnection(this.#connection, sql, request.format);
    return {
      body: Buffer.from(result.bytes.buffer, result.bytes.byteOffset, result.bytes.byteLength),
      format: statement.outputFormat || request.format,
      written: { rows: 0, bytes: 0 },
      result: { rows: result.rowsRead, bytes: result.bytesRead },
    };
  }

  // chDB's own streaming API formats each block as a document of its own (a
  // header per block in CSVWithNames, one Parquet file per block), so it cannot
  // give a server's output. Instead the statement writes its output into a
  // named pipe with INTO OUTFILE, in the requested format, exactly as
  // ClickHouse formats it, and what arrives on the pipe goes to the client
  // while the statement runs; the pipe's capacity holds ClickHouse back when
  // the client reads slowly. A client that goes away closes the pipe, which
  // fails the statement's next write and so ends it.
  //   SELECT ... [FORMAT CSV] [SETTINGS ...]
  //   SELECT ... INTO OUTFILE '<pipe>' TRUNCATE FORMAT CSV [SETTINGS ...]
  async #stream(statement, request, output) {
    const format = statement.outputFormat || request.format;
    if (!FORMAT_NAME.test(format)) {
      throw ClickHouseError.of(73, 'UNKNOWN_FORMAT', `Unknown format ${format}`);
    }
    const clause = ` INTO OUTFILE ${quote(this.#outputPipe)} TRUNCATE${statement.outputFormat ? ' ' : ` FORMAT ${format} `}`;
    const at = statement.outputClauseStart;
    const sql = Buffer.concat([request.text.subarray(0, at), Buffer.from(clause, 'utf8'), request.text.subarray(at)]).toString('utf8');
    const pipe = openPipe(this.#outputPipe);
    const delivered = deliver(pipe.reader, output);
    let result;
    try {
      result = Object.keys(request.parameters).length > 0
        ? await native.QueryAsyncConnection(this.#connection, sql, 'TabSeparated', request.parameters)
        : await native.QueryAsyncConnection(this.#connection, sql, 'TabSeparated');
    } finally {
      // ClickHouse has closed its end; with ours closed too, the reader gets
      // to the end of the pipe once it has read what is in it.
      fs.closeSync(pipe.keepOpen);
      await delivered;
    }
    return {
      body: null,
      written: { rows: 0, bytes: 0 },
      result: { rows: result.rowsRead, bytes: result.bytesRead },
    };
  }

  // chDB takes an INSERT's data only inline, after the statement text, where
  // the first empty line ends the data and whatever follows runs as SQL: a
  // RowBinary id of 2570 (0x0A0A) is enough. So the data goes into a file and
  // the statement reads it with FROM INFILE, which reads any format whole.
  //   INSERT INTO t (a) SETTINGS s = 1 FORMAT RowBinary <data>
  //   INSERT INTO t (a) FROM INFILE '<file>' SETTINGS s = 1 FORMAT RowBinary
  async #insertFromFile(text, { dataClauseStart, formatClauseStart, format, dataStart }, outputFormat) {
    const sql = [
      text.subarray(0, dataClauseStart).toString('utf8'),
      `FROM INFILE ${quote(this.#insertDataFile)}`,
      text.subarray(dataClauseStart, formatClauseStart).toString('utf8'),
      `FORMAT ${format}`,
    ].join(' ');
    await fs.promises.writeFile(this.#insertDataFile, text.subarray(dataStart));
    try {
      return await this.#insert(sql, outputFormat);
    } finally {
      await fs.promises.rm(this.#insertDataFile, { force: true });
    }
  }

  // The raw-insert entry point, with no inline data, because it is the one that
  // reports rows written (materialized views included).
  async #insert(sql, outputFormat) {
    const result = await native.InsertRawAsyncConnection(this.#connection, sql, EMPTY, false);
    return {
      body: EMPTY,
      format: outputFormat,
      written: { rows: result.rowsWritten, bytes: result.bytesWritten },
      result: { rows: 0, bytes: 0 },
    };
  }

  async #query(sql) {
    return native.QueryAsyncConnection(this.#connection, sql, 'TabSeparated');
  }

  // USE is run only when the database differs from the session's, which for a
  // client working in one database is once.
  async #useDatabase(database) {
    if (this.#database !== database) {
      this.#database = null;
      await this.#query(`USE ${quoteIdentifier(database)}`);
      this.#database = database;
    }
  }

  async #settingsChangedSinceStart() {
    const baselineNames = [...this.#baselineSettings.keys()].map(quote).join(', ');
    const result = await native.QueryAsyncConnection(this.#connection,
      `SELECT name, value FROM system.settings WHERE changed OR has([${baselineNames}], name)`, 'JSONEachRow');
    return parseJsonRows(result.bytes)
      .filter((row) => this.#baselineSettings.get(row.name) !== row.value)
      .map((row) => row.name);
  }

  async #restoreSettings(names) {
    if (names.length === 0) {
      return;
    }
    const assignments = [...new Set(names)].map((name) => this.#baselineSettings.has(name)
      ? `${name} = ${quote(this.#baselineSettings.get(name))}`
      : `${name} = DEFAULT`);
    await this.#query(`SET ${assignments.join(', ')}`);
  }
}

// A named pipe at `file`, made once per data directory; anything else there
// (a file left by an older version) is replaced.
function makeFifo(file) {
  try {
    if (fs.lstatSync(file).isFIFO()) {
      return;
    }
    fs.rmSync(file, { force: true });
  } catch (error) {
    if (error.code !== 'ENOENT') {
      throw error;
    }
  }
  execFileSync('mkfifo', ['-m', '600', file]);
}

// Opens the pipe for reading without waiting for a writer. A second, write
// end held open here keeps the reader from seeing the end of the pipe before
// ClickHouse has opened it, and after each time ClickHouse flushes; closing it
// lets the reader finish.
function openPipe(file) {
  const readEnd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
  let keepOpen;
  try {
    keepOpen = fs.openSync(file, fs.constants.O_WRONLY | fs.constants.O_NONBLOCK);
  } catch (error) {
    fs.closeSync(readEnd);
    throw error;
  }
  return { reader: new net.Socket({ fd: readEnd, readable: true, writable: false }), keepOpen };
}

// Copies what arrives on the pipe to the output, pausing while the client is
// behind. Resolves when the pipe is done with, whether read to its end or
// closed because the client went away. Closing the read end makes ClickHouse's
// next write fail, which ends the statement; but only once ClickHouse has
// opened the pipe (its first bytes say so), because opening a pipe that has
// no reader would wait for ever. Until then what arrives is dropped.
function deliver(reader, output) {
  return new Promise((resolve) => {
    let opened = false;
    const stopReading = () => {
      if (opened) {
        reader.destroy();
      }
    };
    output.onceClosed(stopReading);
    reader.on('data', (chunk) => {
      opened = true;
      if (output.closed) {
        reader.destroy();
        return;
      }
      if (!output.write(chunk) && !output.closed) {
        reader.pause();
        output.onceDrained(() => reader.resume());
      }
    });
    reader.on('error', () => reader.destroy());
    reader.on('close', resolve);
  });
}

function parseJsonRows(bytes) {
  return Buffer.from(bytes).toString('utf8').split('\n').filter((line) => line.length > 0).map((line) => JSON.parse(line));
}

// Setting names are spliced into SET statements, so anything but a plain name
// is refused before it gets there.
function settingName(name) {
  if (!SETTING_NAME.test(name)) {
    throw ClickHouseError.of(115, 'UNKNOWN_SETTING', `Unknown setting '${name}'`);
  }
  return name;
}

// ClickHouse parses a setting given as a string literal as if it came from a
// URL or a config file, whatever the setting's type.
function quote(value) {
  return `'${String(value).replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

function quoteIdentifier(name) {
  return `\`${name.replace(/\\/g, '\\\\').replace(/`/g, '\\`')}\``;
}

module.exports = { LocalEngine };
