// What Grafana and the ClickHouse plugin (grafana-clickhouse-datasource 4.20.0) do to a query's SQL
// before ClickHouse sees it, ported from the plugin's source:
//  1. In the browser, for dashboards only (CHDatasource.applyTemplateVariables in
//     src/data/CHDatasource.ts): $__conditionalAll(condition, $variable) becomes 1=1 when the
//     variable is "All" (applyConditionalAll, getMacroArgs), then Grafana's template service
//     replaces $variable / ${variable}, with the plugin's format: a multi-value becomes 'a','b',
//     a single value is inserted as it is (CHDatasource.format).
//  2. In the plugin's backend, for dashboards and alert rules (pkg/macros/macros.go, Interpolate):
//     $__timeFilter(column) and the other macros below, innermost first.
// Alert rules get step 2 only: Grafana evaluates them on the server, where no dashboard variable exists.

export interface TimeRange {
    from: Date;
    to: Date;
}

/** A dashboard variable's current value: '$__all' for "All", a list for a multi-value selection. */
export type VariableValue = string | string[];

const ALL = '$__all';

/** CHDatasource.applyConditionalAll. */
export function applyConditionalAll(rawQuery: string, variables: Record<string, VariableValue>): string {
    const macro = '$__conditionalAll(';
    let macroIndex = rawQuery.lastIndexOf(macro);
    while (macroIndex !== -1) {
        const params = macroArguments(rawQuery, macroIndex + macro.length - 1);
        if (params.length !== 2) {
            return rawQuery;
        }
        const templateVariable = /(?<=\$\{)[\w\d]+(?=\})|(?<=\$)[\w\d]+/.exec(params[1].trim());
        let phrase = params[0];
        if (templateVariable) {
            const value = variables[templateVariable[0]];
            const text = value === undefined ? undefined : value.toString();
            if (text === '' || text === ALL) {
                phrase = '1=1';
            }
        }
        rawQuery = rawQuery.replace(`${macro}${params[0]},${params[1]})`, phrase);
        macroIndex = rawQuery.lastIndexOf(macro);
    }
    return rawQuery;
}

/** CHDatasource.getMacroArgs: the arguments of the macro whose opening parenthesis is at argsIndex. */
function macroArguments(query: string, argsIndex: number): string[] {
    const args: string[] = [];
    const expression = /\(|\)|,/g;
    let bracketCount = 0;
    let lastArgEndIndex = 1;
    const substring = query.substring(argsIndex);
    let match: RegExpExecArray | null;
    while ((match = expression.exec(substring)) !== null) {
        if (match[0] === '(') {
            bracketCount++;
        }
        else if (match[0] === ')') {
            bracketCount--;
        }
        if (match[0] === ',' && bracketCount === 1) {
            args.push(substring.substring(lastArgEndIndex, expression.lastIndex - 1));
            lastArgEndIndex = expression.lastIndex;
        }
        if (bracketCount === 0) {
            args.push(substring.substring(lastArgEndIndex, expression.lastIndex - 1));
            return args;
        }
    }
    return [];
}

/**
 * Grafana's template service (public/app/features/templating/template_srv.ts) with the plugin's
 * format function; `options` lists each variable's values, which "All" stands for.
 */
export function replaceVariables(rawQuery: string, variables: Record<string, VariableValue>, options: Record<string, string[]>): string {
    const pattern = /\$(\w+)|\[\[(\w+?)(?::(\w+))?\]\]|\${(\w+)(?:\.([^:^}]+))?(?::([^}]+))?}/g;
    return rawQuery.replace(pattern, (match, plain?: string, bracketed?: string, _bracketFormat?: string, braced?: string) => {
        const name = plain ?? bracketed ?? braced ?? '';
        const value = variables[name];
        if (value === undefined) {
            return match;
        }
        const resolved = value === ALL || (Array.isArray(value) && value.length === 1 && value[0] === ALL) ? options[name] ?? [] : value;
        return Array.isArray(resolved) ? `'${resolved.join("','")}'` : resolved;
    });
}

type Macro = (args: string[], range: TimeRange, intervalSeconds: number) => string;

const seconds = (date: Date) => Math.floor(date.getTime() / 1000);
const toDateTime = (date: Date) => `toDateTime(${seconds(date)})`;
const toDateTime64 = (date: Date) => `fromUnixTimestamp64Milli(${date.getTime()})`;

function oneArgument(name: string, args: string[]): string {
    if (args.length !== 1) {
        throw new Error(`$__${name} expected 1 argument(s), received ${args.length}`);
    }
    return args[0];
}

/** pkg/macros/macros.go, ClickHouseMacros: the macros these dashboards use. */
const MACROS: Record<string, Macro> = {
    timeFilter: (args, range) => {
        const column = oneArgument('timeFilter', args);
        return `${column} >= ${toDateTime(range.from)} AND ${column} <= ${toDateTime(range.to)}`;
    },
    timeFilter_ms: (args, range) => {
        const column = oneArgument('timeFilter_ms', args);
        return `${column} >= ${toDateTime64(range.from)} AND ${column} <= ${toDateTime64(range.to)}`;
    },
    fromTime: (_args, range) => toDateTime(range.from),
    toTime: (_args, range) => toDateTime(range.to),
    fromTime_ms: (_args, range) => toDateTime64(range.from),
    toTime_ms: (_args, range) => toDateTime64(range.to),
    timeInterval: (args, _range, intervalSeconds) =>
        `toStartOfInterval(toDateTime(${oneArgument('timeInterval', args)}), INTERVAL ${Math.max(Math.trunc(intervalSeconds), 1)} second)`,
    interval_s: (_args, _range, intervalSeconds) => String(Math.max(Math.trunc(intervalSeconds), 1)),
};

/**
 * The backend's Interpolate: each $__name, with its parenthesised arguments (split at top-level
 * commas, trimmed, expanded first), replaced by its expansion. A macro this port does not know
 * fails the test instead of reaching ClickHouse, and so do comments, which the plugin strips
 * before expanding and this port does not.
 */
export function expandBackendMacros(sql: string, range: TimeRange, intervalSeconds: number): string {
    if (sql.includes('--') || sql.includes('/*')) {
        throw new Error(`Comments in dashboard SQL are not supported by this port of the plugin's macros:\n${sql}`);
    }
    let result = '';
    let position = 0;
    const pattern = /\$__(\w+)/g;
    let match: RegExpExecArray | null;
    while ((match = pattern.exec(sql)) !== null) {
        const name = match[1];
        const macro = MACROS[name];
        if (macro === undefined) {
            throw new Error(`Unknown macro $__${name} in:\n${sql}`);
        }
        result += sql.slice(position, match.index);
        let end = pattern.lastIndex;
        let args: string[] = [];
        if (sql[end] === '(') {
            const close = closingParenthesis(sql, end);
            args = splitArguments(sql.slice(end + 1, close)).map((argument) => expandBackendMacros(argument, range, intervalSeconds).trim());
            end = close + 1;
        }
        result += macro(args, range, intervalSeconds);
        position = end;
        pattern.lastIndex = end;
    }
    return result + sql.slice(position);
}

function closingParenthesis(sql: string, open: number): number {
    let depth = 0;
    for (let index = open; index < sql.length; index++) {
        if (sql[index] === '(') {
            depth++;
        }
        else if (sql[index] === ')') {
            depth--;
            if (depth === 0) {
                return index;
            }
        }
    }
    throw new Error(`Unbalanced parentheses after position ${open} in:\n${sql}`);
}

function splitArguments(text: string): string[] {
    const args: string[] = [];
    let depth = 0;
    let start = 0;
    for (let index = 0; index < text.length; index++) {
        if (text[index] === '(') {
            depth++;
        }
        else if (text[index] === ')') {
            depth--;
        }
        else if (text[index] === ',' && depth === 0) {
            args.push(text.slice(start, index));
            start = index + 1;
        }
    }
    args.push(text.slice(start));
    return text.trim() === '' ? [] : args;
}

/** A dashboard query as ClickHouse receives it. */
export function dashboardSql(rawSql: string, variables: Record<string, VariableValue>, options: Record<string, string[]>, range: TimeRange, intervalSeconds: number): string {
    return expandBackendMacros(replaceVariables(applyConditionalAll(rawSql, variables), variables, options), range, intervalSeconds);
}
