// Template variables shared by the dashboards, and the SQL condition that applies them. Every
// filter variable is multi-value with "All": the plugin quotes a multi-value selection as 'a','b',
// and its $__conditionalAll(condition, $variable) turns into 1=1 when "All" is selected, so an
// unfiltered dashboard adds no condition at all.
import * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import {DATASOURCE_INPUT, DATASOURCE_NAME, DATASOURCE_VARIABLE, PLUGIN_ID, datasource} from './datasource.js';

export interface Filter {
    /** Template variable name. */
    variable: string;
    /** Column it filters, named alike in the events, the per-minute rollups and the read model. */
    column: string;
    label: string;
}

export const ACCOUNT: Filter = {variable: 'account', column: 'account_sid', label: 'Account'};
export const MESSAGING_SERVICE: Filter = {variable: 'messaging_service', column: 'messaging_service_sid', label: 'Messaging service'};
export const COUNTRY: Filter = {variable: 'country', column: 'country', label: 'Country'};
export const CHANNEL: Filter = {variable: 'channel', column: 'channel', label: 'Channel'};

/**
 * The data source the panels read: by default the one Grafana's import was told to use (its value
 * `${DS_CLICKHOUSE}` is replaced by that data source's UID), else the one named like the provisioned
 * data source (Grafana selects an option by name when no option has the value), else the first
 * ClickHouse data source.
 */
export function datasourceVariable(): dashboard.DatasourceVariableBuilder {
    return new dashboard.DatasourceVariableBuilder(DATASOURCE_VARIABLE)
        .label('Data source')
        .type(PLUGIN_ID)
        .current({text: DATASOURCE_NAME, value: `\${${DATASOURCE_INPUT}}`});
}

/** `AND`-joined conditions for the given filters, one a line (insert them with the `sql` tag to indent them). */
export function filterConditions(filters: Filter[]): string {
    return filters.map((filter) => `$__conditionalAll(${filter.column} IN (\${${filter.variable}}), $${filter.variable})`).join('\nAND ');
}

/**
 * A variable listing the values of one column in the dashboard's time range (from the per-minute
 * rollup, far smaller than the events), narrowed by the filters before it (messaging services of
 * the chosen accounts, and so on).
 */
export function filterVariable(filter: Filter, narrowedBy: Filter[]): dashboard.QueryVariableBuilder {
    const conditions = ['$__timeFilter(minute)', `${filter.column} != ''`, ...narrowedBy.map((other) => filterConditions([other]))];
    return new dashboard.QueryVariableBuilder(filter.variable)
        .label(filter.label)
        .datasource(datasource)
        .query(`SELECT DISTINCT ${filter.column} FROM events_per_minute WHERE ${conditions.join(' AND ')} ORDER BY ${filter.column}`)
        .multi(true)
        .includeAll(true)
        .current({text: ['All'], value: ['$__all']})
        .refresh(dashboard.VariableRefresh.OnTimeRangeChanged)
        .sort(dashboard.VariableSort.AlphabeticalAsc);
}
