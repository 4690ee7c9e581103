// Template variables shared by the dashboards, and the SQL condition that applies them. Every
// variable is multi-value with "All": the plugin quotes a multi-value selection as 'a','b', and its
// $__conditionalAll(condition, $variable) turns into 1=1 when "All" is selected, so an unfiltered
// dashboard adds no condition at all.
import * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import {datasource} from './datasource.js';

export interface Filter {
    /** Template variable name. */
    variable: string;
    /** Column of status_events, message_status and events_per_minute it filters. */
    column: string;
    label: string;
}

export const ACCOUNT: Filter = {variable: 'account', column: 'account_sid', label: 'Account'};
export const MESSAGING_SERVICE: Filter = {variable: 'messaging_service', column: 'messaging_service_sid', label: 'Messaging service'};
export const COUNTRY: Filter = {variable: 'country', column: 'country', label: 'Country'};
export const CHANNEL: Filter = {variable: 'channel', column: 'channel', label: 'Channel'};

/** `AND`-joined conditions for the given filters, to follow a WHERE clause. */
export function filterConditions(filters: Filter[]): string {
    return filters.map((filter) => `$__conditionalAll(${filter.column} IN (\${${filter.variable}}), $${filter.variable})`).join('\n  AND ');
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
