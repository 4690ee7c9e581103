'use strict';

// The body of one query's HTTP response, written as a ClickHouse server writes it:
//  - the first MiB (or `buffer_size`) of output is held back, so a query that
//    fails early still gets an error status; with wait_end_of_query=1 all of it
//    is held back. Past that the headers go out with status 200 and the output
//    streams in chunks;
//  - compress=1: the body is in ClickHouse's native compression (compression.js);
//    enable_http_compression=1 with Accept-Encoding gzip, deflate or br: the body
//    is HTTP-encoded as well (other encodings are answered unencoded);
//  - an error after the headers have gone out: the status is already 200, so the
//    exception is appended to the body in ClickHouse 25.11's framing, announced
//    by the X-ClickHouse-Exception-Tag header, and the connection is then cut
//    without the final empty chunk, so no client can take the body for complete:
//      \r\n__exception__\r\n<tag>\r\n<message>\n<length of message and newline> <tag>\r\n__exception__\r\n

const crypto = require('crypto');
const zlib = require('zlib');
const { compressBlocks } = require('./compression');

const DEFAULT_BUFFER_SIZE = 1 << 20;
const EXCEPTION_MARKER = '__exception__';
const EXCEPTION_TAG_LENGTH = 16;
const TAG_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
// ClickHouse caps the whole exception block at 16 KiB.
const MAX_EXCEPTION_BLOCK_SIZE = 16 * 1024;
const HTTP_ENCODERS = new Map([
  ['gzip', () => zlib.createGzip()],
  ['deflate', () => zlib.createDeflate()],
  ['br', () => zlib.createBrotliCompress()],
]);

class QueryResponse {
  #response;
  #headers;
  #nativeCompression;
  #encoding;
  #encoder = null;
  #bufferSize;
  #pending = [];
  #pendingBytes = 0;
  #headersSent = false;
  #done = false;
  #exceptionTag = randomTag();
  #formatHeaders = {};
  #started = process.hrtime.bigint();

  //   response           Node's http.ServerResponse
  //   headers            headers every answer carries (query id, time zone...)
  //   nativeCompression  compress=1
  //   encoding           the HTTP Content-Encoding to apply, or null
  //   bufferSize         bytes held back before the headers go out (Infinity: all)
  constructor(response, { headers, nativeCompression, encoding, bufferSize }) {
    this.#response = response;
    this.#headers = { ...headers, 'X-ClickHouse-Exception-Tag': this.#exceptionTag };
    this.#nativeCompression = nativeCompression;
    this.#encoding = encoding;
    this.#bufferSize = bufferSize;
  }

  // How to answer a request, from its URL parameters and headers.
  static optionsFor(parameters, requestHeaders) {
    const waitEndOfQuery = isEnabled(parameters.get('wait_end_of_query'));
    const bufferSize = Math.max(DEFAULT_BUFFER_SIZE, Number(parameters.get('buffer_size')) || 0);
    return {
      nativeCompression: isEnabled(parameters.get('compress')),
      encoding: isEnabled(parameters.get('enable_http_compression')) ? acceptedEncoding(requestHeaders['accept-encoding']) : null,
      bufferSize: waitEndOfQuery ? Infinity : bufferSize,
    };
  }

  // Whether the client is gone (or the response is over): output is then discarded.
  get closed() {
    return this.#done || this.#response.destroyed;
  }

  // Calls back when the client has taken what was written, for a writer that got false from write().
  onceDrained(callback) {
    (this.#encoder || this.#response).once('drain', callback);
  }

  onceClosed(callback) {
    this.#response.once('close', callback);
  }

  // The format of the output, before any of it is written.
  setFormat(format) {
    this.#formatHeaders = { 'Content-Type': contentTypeOf(format), 'X-ClickHouse-Format': format };
  }

  // Output of the query. Returns false when the writer should wait for onceDrained.
  write(chunk) {
    if (this.closed || chunk.length === 0) {
      return true;
    }
    if (!this.#headersSent) {
      this.#pending.push(chunk);
      this.#pendingBytes += chunk.length;
      if (this.#pendingBytes < this.#bufferSize) {
        return true;
      }
      this.#startStreaming();
      const pending = Buffer.concat(this.#pending);
      this.#pending = [];
      return this.#send(pending);
    }
    return this.#send(chunk);
  }

  // The query succeeded: sends what is held back and ends the response.
  //   summary  { read_rows, read_bytes, written_rows, written_bytes, result_rows, result_bytes }
  finish(summary) {
    if (this.closed) {
      return;
    }
    this.#done = true;
    if (this.#headersSent) {
      this.#endBody();
      return;
    }
    const body = Buffer.concat(this.#pending);
    this.#pending = [];
    this.#sendWhole(200, { ...this.#formatHeaders, 'X-ClickHouse-Summary': this.#summaryHeader(summary) }, body);
  }

  // The query failed: an error response if nothing has been sent yet, else the
  // exception appended to the body and the connection cut.
  fail(error) {
    if (this.closed) {
      return;
    }
    this.#done = true;
    this.#pending = [];
    if (!this.#headersSent) {
      this.#sendWhole(error.httpStatus, {
        'Content-Type': 'text/plain; charset=UTF-8',
        'X-ClickHouse-Exception-Code': String(error.code),
      }, Buffer.from(`${error.message}\n`, 'utf8'));
      return;
    }
    this.#send(this.#exceptionBlock(error.message));
    this.#abort();
  }

  // A response without a body in the query's sense (ping, 404...): never compressed.
  static sendPlain(response, status, headers, text) {
    response.writeHead(status, { ...headers, 'Content-Length': Buffer.byteLength(text) });
    response.end(text);
  }

  // The summary a server sends with its headers: the progress so far, which
  // here is nothing yet when the headers go out before the query has ended.
  #summaryHeader(summary) {
    const full = {
      read_rows: 0, read_bytes: 0, written_rows: 0, written_bytes: 0, total_rows_to_read: 0,
      result_rows: 0, result_bytes: 0, ...summary, elapsed_ns: process.hrtime.bigint() - this.#started,
    };
    // ClickHouse sends every number in the summary as a string.
    return JSON.stringify(full, (key, value) => (key === '' ? value : String(value)));
  }

  #startStreaming() {
    this.#headersSent = true;
    const headers = { ...this.#headers, ...this.#formatHeaders, 'X-ClickHouse-Summary': this.#summaryHeader({}) };
    if (this.#encoding) {
      headers['Content-Encoding'] = this.#encoding;
      this.#encoder = HTTP_ENCODERS.get(this.#encoding)();
      this.#encoder.on('data', (data) => {
        if (!this.#response.write(data)) {
          this.#encoder.pause();
          this.#response.once('drain', () => this.#encoder.resume());
        }
      });
      this.#encoder.on('error', () => this.#response.destroy());
    }
    // No Content-Length: Node sends the body chunked, as ClickHouse does.
    this.#response.writeHead(200, headers);
  }

  #send(data) {
    const encoded = this.#nativeCompression ? Buffer.concat(compressBlocks(data)) : data;
    if (this.#encoder) {
      const accepted = this.#encoder.write(encoded);
      // Each part goes out as soon as it is written, not when the encoder's window fills (the
      // stream's own flush kind: Brotli's numbers mean other things than zlib's).
      this.#encoder.flush();
      return accepted;
    }
    return this.#response.write(encoded);
  }

  #endBody() {
    if (this.#encoder) {
      this.#encoder.once('end', () => this.#response.end());
      this.#encoder.end();
      return;
    }
    this.#response.end();
  }

  // Ends the connection once what was written has left, without the final
  // chunk: the client sees a body that stops short, never a complete one.
  #abort() {
    const cut = () => {
      const socket = this.#response.socket;
      if (!socket) {
        this.#response.destroy();
        return;
      }
      // end() sends what is queued, then closes; destroying at once could drop the exception.
      socket.once('finish', () => socket.destroy());
      socket.end();
    };
    if (this.#encoder) {
      this.#encoder.flush(() => setImmediate(() => this.#response.write('', cut)));
      return;
    }
    this.#response.write('', cut);
  }

  #sendWhole(status, headers, data) {
    this.#headersSent = true;
    const native = this.#nativeCompression ? Buffer.concat(compressBlocks(data)) : data;
    const body = this.#encoding && native.length > 0 ? encodeWhole(this.#encoding, native) : native;
    const allHeaders = { ...this.#headers, ...headers, 'Content-Length': body.length };
    if (body !== native) {
      allHeaders['Content-Encoding'] = this.#encoding;
    }
    this.#response.writeHead(status, allHeaders);
    this.#response.end(body);
  }

  #exceptionBlock(message) {
    const tag = this.#exceptionTag;
    const framing = 2 + EXCEPTION_MARKER.length + 2 + EXCEPTION_TAG_LENGTH + 2 + 8 + 1 + EXCEPTION_TAG_LENGTH + 2
      + EXCEPTION_MARKER.length + 2;
    let text = Buffer.from(message, 'utf8');
    if (text.length > MAX_EXCEPTION_BLOCK_SIZE - framing) {
      text = text.subarray(0, MAX_EXCEPTION_BLOCK_SIZE - framing);
    }
    const withNewline = text[text.length - 1] === 0x0a ? text : Buffer.concat([text, Buffer.from('\n')]);
    return Buffer.concat([
      Buffer.from(`\r\n${EXCEPTION_MARKER}\r\n${tag}\r\n`, 'latin1'),
      withNewline,
      Buffer.from(`${withNewline.length} ${tag}\r\n${EXCEPTION_MARKER}\r\n`, 'latin1'),
    ]);
  }
}

// The content types ClickHouse gives its common output formats; clients go by
// X-ClickHouse-Format, so this is for people reading responses with curl.
function contentTypeOf(format) {
  if (/^(TabSeparated|TSV)/i.test(format)) {
    return 'text/tab-separated-values; charset=UTF-8';
  }
  if (/^CSV/i.test(format)) {
    return 'text/csv; charset=UTF-8; header=absent';
  }
  if (/^JSON/i.test(format)) {
    return 'application/json; charset=UTF-8';
  }
  if (/^(Pretty|Vertical|Markdown|Values|TSKV|Raw|LineAsString)/i.test(format)) {
    return 'text/plain; charset=UTF-8';
  }
  return 'application/octet-stream';
}

function encodeWhole(encoding, data) {
  switch (encoding) {
    case 'gzip':
      return zlib.gzipSync(data);
    case 'deflate':
      return zlib.deflateSync(data);
    case 'br':
      return zlib.brotliCompressSync(data);
    default:
      throw new Error(`unexpected encoding ${encoding}`);
  }
}

// The first encoding in Accept-Encoding that this engine can produce, or null.
function acceptedEncoding(header) {
  if (!header) {
    return null;
  }
  for (const part of header.split(',')) {
    const [name, ...parameters] = part.trim().toLowerCase().split(';');
    const refused = parameters.some((parameter) => /^\s*q\s*=\s*0(\.0*)?\s*$/.test(parameter));
    if (HTTP_ENCODERS.has(name) && !refused) {
      return name;
    }
  }
  return null;
}

function randomTag() {
  const bytes = crypto.randomBytes(EXCEPTION_TAG_LENGTH);
  return [...bytes].map((byte) => TAG_ALPHABET[byte % TAG_ALPHABET.length]).join('');
}

function isEnabled(flag) {
  return flag !== null && flag !== '' && flag !== '0' && flag.toLowerCase() !== 'false';
}

module.exports = { QueryResponse, isEnabled };
