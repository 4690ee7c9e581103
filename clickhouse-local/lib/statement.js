'use strict';

// Just enough of ClickHouse's lexer to answer the questions the HTTP front end
// has about a request before the engine sees it:
//  - what kind of statement it is (an INSERT runs through the entry point that
//    counts rows written; SET and USE would otherwise change the shared session);
//  - which output format a `FORMAT x` clause asks for, so the response can name
//    it in X-ClickHouse-Format (the JDBC driver picks its reader by that header);
//  - where an INSERT's data begins, and where its statement can take a
//    FROM INFILE clause, because the data is handed to chDB as a file (see
//    engine.js) and may be binary (RowBinary, Native, Parquet...);
//  - whether the text holds more than one statement (ClickHouse's HTTP interface
//    refuses that, and so do we: one request must stay one statement).
//
// The input is the request decoded as latin1, so that string indexes are byte
// offsets into the request body and binary INSERT data can be cut out exactly.

const { ClickHouseError } = require('./errors');

const WORD_START = /[A-Za-z_\u0080-\u00ff]/;
const WORD_PART = /[A-Za-z0-9_$\u0080-\u00ff]/;

class Scanner {
  constructor(text) {
    this.text = text;
    this.position = 0;
  }

  // Returns the next token, or null at the end. Whitespace and comments are
  // skipped; string literals and quoted identifiers are single tokens, so a
  // keyword inside them is never mistaken for syntax.
  next() {
    this.skipBlanks();
    const text = this.text;
    const start = this.position;
    if (start >= text.length) {
      return null;
    }
    const char = text[start];
    if (char === "'" || char === '"' || char === '`') {
      this.position = this.quotedEnd(start, char);
      return { type: char === "'" ? 'string' : 'identifier', start, end: this.position };
    }
    if (char === '$') {
      const heredoc = /^\$([A-Za-z0-9_]*)\$/.exec(text.slice(start, start + 64));
      if (heredoc) {
        const close = text.indexOf(heredoc[0], start + heredoc[0].length);
        this.position = close < 0 ? text.length : close + heredoc[0].length;
        return { type: 'string', start, end: this.position };
      }
    }
    if (WORD_START.test(char)) {
      let end = start + 1;
      while (end < text.length && WORD_PART.test(text[end])) {
        end++;
      }
      this.position = end;
      return { type: 'word', start, end, upper: text.slice(start, end).toUpperCase() };
    }
    if (char >= '0' && char <= '9') {
      let end = start + 1;
      while (end < text.length && /[0-9A-Za-z_.]/.test(text[end])) {
        end++;
      }
      this.position = end;
      return { type: 'number', start, end };
    }
    this.position = start + 1;
    return { type: 'punctuation', start, end: start + 1, char };
  }

  skipBlanks() {
    const text = this.text;
    for (;;) {
      const char = text[this.position];
      if (char === ' ' || char === '\t' || char === '\n' || char === '\r' || char === '\f' || char === '\v') {
        this.position++;
      } else if (text.startsWith('--', this.position) || text.startsWith('#!', this.position)
          || text.startsWith('# ', this.position)) {
        const newline = text.indexOf('\n', this.position);
        this.position = newline < 0 ? text.length : newline + 1;
      } else if (text.startsWith('/*', this.position)) {
        this.position = this.blockCommentEnd(this.position);
      } else {
        return;
      }
    }
  }

  // ClickHouse block comments nest.
  blockCommentEnd(start) {
    const text = this.text;
    let depth = 0;
    let position = start;
    while (position < text.length) {
      if (text.startsWith('/*', position)) {
        depth++;
        position += 2;
      } else if (text.startsWith('*/', position)) {
        depth--;
        position += 2;
        if (depth === 0) {
          return position;
        }
      } else {
        position++;
      }
    }
    return text.length;
  }

  // Quotes are escaped either with a backslash or by doubling them.
  quotedEnd(start, quote) {
    const text = this.text;
    let position = start + 1;
    while (position < text.length) {
      const char = text[position];
      if (char === '\\') {
        position += 2;
      } else if (char === quote) {
        if (text[position + 1] !== quote) {
          return position + 1;
        }
        position += 2;
      } else {
        position++;
      }
    }
    return text.length;
  }
}

// Describes one statement.
//   kind          first keyword, upper case ('SELECT', 'INSERT', 'SET', ...)
//   outputFormat  the name in a top-level `FORMAT x` clause of a non-INSERT
//                 statement, as written, or null
//   outputClauseStart  for a non-INSERT, where an `INTO OUTFILE` clause goes:
//                 before the FORMAT clause if there is one, else after the
//                 statement's last token (before a final semicolon or comment)
//   intoOutfile   whether the statement has its own top-level INTO OUTFILE
//   insertData    for an INSERT that carries data (`FORMAT x` or `VALUES`), byte
//                 offsets into the text and the data's format:
//                   { dataClauseStart, formatClauseStart, format, dataStart }
//                 dataClauseStart is where FROM INFILE would go: before the
//                 SETTINGS clause if there is one, else before FORMAT/VALUES
function describeStatement(text) {
  const scanner = new Scanner(text);
  let token = scanner.next();
  // `(SELECT ...) FORMAT x`: the clause is outside the brackets the statement opens with.
  let depth = 0;
  while (token && token.type === 'punctuation' && token.char === '(') {
    depth++;
    token = scanner.next();
  }
  if (!token) {
    throw ClickHouseError.of(62, 'SYNTAX_ERROR', 'Empty query');
  }
  const kind = token.type === 'word' ? token.upper : '';
  if (kind === 'INSERT') {
    return { kind, outputFormat: null, outputClauseStart: null, intoOutfile: false, insertData: findInsertData(scanner, text) };
  }
  const output = findOutputClauses(scanner, text, depth, token);
  return { kind, ...output, insertData: null };
}

// The data of an INSERT follows its first top-level FORMAT x or VALUES. After a
// format name, ClickHouse's rule (ParserInsertQuery) applies: skip spaces and
// tabs, then one line break if there is one. An INSERT ... SELECT has no data;
// its text is SQL to the end.
function findInsertData(scanner, text) {
  let depth = 0;
  let settingsStart = null;
  let selects = false;
  for (let token = scanner.next(); token; token = scanner.next()) {
    if (token.type === 'punctuation') {
      depth += nesting(token.char);
      if (token.char === ';' && depth === 0) {
        refuseMoreStatements(scanner);
      }
    } else if (depth === 0 && token.type === 'word' && !selects) {
      if (token.upper === 'SELECT' || token.upper === 'WITH') {
        selects = true;
      } else if (token.upper === 'SETTINGS' && settingsStart === null && startsSettingsClause(scanner)) {
        settingsStart = token.start;
      } else if (token.upper === 'VALUES') {
        return { dataClauseStart: settingsStart ?? token.start, formatClauseStart: token.start, format: 'Values', dataStart: token.end };
      } else if (token.upper === 'FORMAT') {
        const name = scanner.next();
        if (!name || name.type !== 'word') {
          return null;
        }
        let dataStart = name.end;
        while (text[dataStart] === ' ' || text[dataStart] === '\t' || text[dataStart] === '\f') {
          dataStart++;
        }
        if (text[dataStart] === '\r') {
          dataStart++;
        }
        if (text[dataStart] === '\n') {
          dataStart++;
        }
        return {
          dataClauseStart: settingsStart ?? token.start,
          formatClauseStart: token.start,
          format: text.slice(name.start, name.end),
          dataStart,
        };
      }
    }
  }
  return null;
}

// `SETTINGS name = ...` is the clause; a table that happens to be called
// "settings" is not.
function startsSettingsClause(scanner) {
  const position = scanner.position;
  const name = scanner.next();
  const equals = scanner.next();
  scanner.position = position;
  return name !== null && name.type === 'word' && equals !== null && equals.type === 'punctuation' && equals.char === '=';
}

// A semicolon may end the statement, but nothing may follow it.
function refuseMoreStatements(scanner) {
  if (scanner.next() !== null) {
    throw ClickHouseError.of(62, 'SYNTAX_ERROR', 'Multi-statements are not allowed');
  }
}

// A FORMAT keyword is a clause (and not a column or an alias named "format")
// when a name follows it and nothing but SETTINGS or the end comes after that.
function findOutputClauses(scanner, text, initialDepth, firstToken) {
  let depth = initialDepth;
  let format = null;
  let previous = null;
  let beforePrevious = null;
  let lastEnd = firstToken.end;
  let intoOutfile = false;
  for (let token = scanner.next(); token; token = scanner.next()) {
    if (token.type === 'punctuation' && token.char === ';' && depth === 0) {
      refuseMoreStatements(scanner);
      break;
    }
    if (token.type === 'punctuation') {
      depth += nesting(token.char);
    } else if (depth === 0 && token.type === 'word' && token.upper === 'SETTINGS') {
      format = formatClause(beforePrevious, previous, text) || format;
    } else if (depth === 0 && token.type === 'word' && token.upper === 'OUTFILE'
        && previous && previous.type === 'word' && previous.upper === 'INTO') {
      intoOutfile = true;
    }
    beforePrevious = previous;
    previous = depth === 0 ? token : null;
    lastEnd = token.end;
  }
  format = formatClause(beforePrevious, previous, text) || format;
  return {
    outputFormat: format && format.name,
    outputClauseStart: format ? format.keywordStart : lastEnd,
    intoOutfile,
  };
}

function formatClause(keyword, name, text) {
  if (keyword && name && keyword.type === 'word' && keyword.upper === 'FORMAT' && name.type === 'word') {
    return { name: text.slice(name.start, name.end), keywordStart: keyword.start };
  }
  return null;
}

function nesting(char) {
  if (char === '(' || char === '[' || char === '{') {
    return 1;
  }
  if (char === ')' || char === ']' || char === '}') {
    return -1;
  }
  return 0;
}

module.exports = { describeStatement };
