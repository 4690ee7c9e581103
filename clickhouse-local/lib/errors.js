'use strict';

// ClickHouse errors as its HTTP interface reports them: a numeric code, the
// code's name, and a message in ClickHouse's own format
// ("Code: 60. DB::Exception: ... (UNKNOWN_TABLE)"), which clients such as
// clickhouse-jdbc parse out of the response body.

const STD_EXCEPTION = 1001;

class ClickHouseError extends Error {
  // `message` is the full text, starting with "Code: N. DB::Exception: ".
  constructor(code, codeName, message) {
    super(message);
    this.code = code;
    this.codeName = codeName;
  }

  // An error the front end raises itself, worded like the engine's own.
  static of(code, codeName, description) {
    return new ClickHouseError(code, codeName, `Code: ${code}. DB::Exception: ${description}. (${codeName})`);
  }

  // chDB reports engine errors as text in ClickHouse's format. Some arrive
  // wrapped several times ("Code: 73. DB::Exception: Code: 73. DB::Exception: ...");
  // the repeats are dropped so the client sees what a server would send.
  // Anything else (a binding failure, a bug here) is reported as ClickHouse
  // reports a std::exception.
  static fromThrown(error) {
    if (error instanceof ClickHouseError) {
      return error;
    }
    const text = String(error && error.message != null ? error.message : error).trim();
    const code = /^Code: (\d+)\. DB::Exception: /.exec(text);
    if (!code) {
      return ClickHouseError.of(STD_EXCEPTION, 'STD_EXCEPTION', text);
    }
    const repeated = new RegExp(`^(?:Code: ${code[1]}\\. DB::Exception: )+`);
    const message = text.replace(repeated, code[0]);
    const name = /\(([A-Z][A-Z0-9_]+)\)(?:\s*\(version [^)]*\))?\.?\s*$/.exec(message);
    return new ClickHouseError(Number(code[1]), name ? name[1] : 'UNKNOWN_EXCEPTION', message);
  }

  // ClickHouse's status for each error (src/Server/HTTP/exceptionCodeToHTTPStatus.cpp),
  // 500 for all others. Clients take the code from X-ClickHouse-Exception-Code, so
  // the status matters only to tools that look at nothing else.
  get httpStatus() {
    return HTTP_STATUS_BY_NAME.get(this.codeName) || 500;
  }
}

const HTTP_STATUS_BY_NAME = new Map([
  ...['REQUIRED_PASSWORD'].map((name) => [name, 401]),
  ...['UNKNOWN_USER', 'WRONG_PASSWORD', 'AUTHENTICATION_FAILED', 'SET_NON_GRANTED_ROLE', 'ACCESS_DENIED']
    .map((name) => [name, 403]),
  ...['BAD_ARGUMENTS', 'CANNOT_COMPILE_REGEXP', 'CANNOT_PARSE_TEXT', 'CANNOT_PARSE_ESCAPE_SEQUENCE',
    'CANNOT_PARSE_QUOTED_STRING', 'CANNOT_PARSE_DATE', 'CANNOT_PARSE_DATETIME', 'CANNOT_PARSE_NUMBER',
    'CANNOT_PARSE_DOMAIN_VALUE_FROM_STRING', 'CANNOT_PARSE_IPV4', 'CANNOT_PARSE_IPV6',
    'CANNOT_PARSE_INPUT_ASSERTION_FAILED', 'CANNOT_PARSE_UUID', 'DUPLICATE_COLUMN', 'ILLEGAL_COLUMN',
    'UNKNOWN_ELEMENT_IN_AST', 'UNKNOWN_TYPE_OF_AST_NODE', 'THERE_IS_NO_COLUMN', 'TOO_DEEP_AST', 'TOO_BIG_AST',
    'UNEXPECTED_AST_STRUCTURE', 'SYNTAX_ERROR', 'INCORRECT_DATA', 'TYPE_MISMATCH',
    'VALUE_IS_OUT_OF_RANGE_OF_DATA_TYPE'].map((name) => [name, 400]),
  ...['UNKNOWN_TABLE', 'UNKNOWN_FUNCTION', 'UNKNOWN_IDENTIFIER', 'UNKNOWN_TYPE', 'UNKNOWN_STORAGE',
    'UNKNOWN_DATABASE', 'UNKNOWN_SETTING', 'UNKNOWN_DIRECTION_OF_SORTING', 'UNKNOWN_AGGREGATE_FUNCTION',
    'UNKNOWN_FORMAT', 'UNKNOWN_DATABASE_ENGINE', 'UNKNOWN_TYPE_OF_QUERY', 'UNKNOWN_ROLE']
    .map((name) => [name, 404]),
  ['QUERY_IS_TOO_LARGE', 413],
  ['NOT_IMPLEMENTED', 501],
  ['SOCKET_TIMEOUT', 503],
  ['CANNOT_OPEN_FILE', 503],
  ['CANNOT_SCHEDULE_TASK', 503],
  ['HTTP_LENGTH_REQUIRED', 411],
  ['TIMEOUT_EXCEEDED', 408],
  ['UNSUPPORTED_MEDIA_TYPE', 415],
]);

module.exports = { ClickHouseError };
