// The ClickHouse data source the dashboards and alert rules read, and the query model of its plugin
// (grafana-clickhouse-datasource). The foundation SDK has no builder for this plugin's queries, so
// this one produces the model its SQL editor saves.
import * as cog from '@grafana/grafana-foundation-sdk/cog';
import * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';

/** Plugin version installed in docker-compose.yml (GF_INSTALL_PLUGINS); its macros are what the tests expand. */
export const PLUGIN_VERSION = '4.20.0';
export const PLUGIN_ID = 'grafana-clickhouse-datasource';
export const PLUGIN_NAME = 'ClickHouse';
/** The provisioned data source (provisioning/datasources); the provisioned alert rules name its fixed UID. */
export const DATASOURCE_UID = 'clickhouse';
export const DATASOURCE_NAME = 'ClickHouse (Delivery Ledger)';
export const provisionedDatasource: dashboard.DataSourceRef = {type: PLUGIN_ID, uid: DATASOURCE_UID};

/**
 * The dashboards' data source variable: every panel, query and query variable reads the data source
 * it selects, so a dashboard imported into another Grafana needs no particular UID.
 */
export const DATASOURCE_VARIABLE = 'datasource';
export const datasource: dashboard.DataSourceRef = {type: PLUGIN_ID, uid: `\${${DATASOURCE_VARIABLE}}`};
/** The import input (__inputs) whose `${DS_CLICKHOUSE}` Grafana's import replaces with the UID of the data source the importer picks. */
export const DATASOURCE_INPUT = 'DS_CLICKHOUSE';

/** sqlds' result formats: a time series is converted from long to wide, a table is left as it is. */
export enum QueryFormat {
    TimeSeries = 0,
    Table = 1,
}

export interface ClickHouseQuery extends cog.Dataquery {
    refId: string;
    datasource: dashboard.DataSourceRef;
    editorType: 'sql';
    format: QueryFormat;
    queryType: 'timeseries' | 'table';
    rawSql: string;
    pluginVersion: string;
}

export class ClickHouseQueryBuilder implements cog.Builder<ClickHouseQuery> {
    private readonly query: ClickHouseQuery;

    constructor(rawSql: string, format: QueryFormat = QueryFormat.Table) {
        this.query = {
            refId: 'A',
            datasource,
            editorType: 'sql',
            format,
            queryType: format === QueryFormat.TimeSeries ? 'timeseries' : 'table',
            rawSql: trimSql(rawSql),
            pluginVersion: PLUGIN_VERSION,
            _implementsDataqueryVariant() {},
        };
    }

    /** Alert rules are evaluated without dashboard variables: they name a data source. */
    datasource(ref: dashboard.DataSourceRef): this {
        this.query.datasource = ref;
        return this;
    }

    refId(refId: string): this {
        this.query.refId = refId;
        return this;
    }

    build(): ClickHouseQuery {
        return {...this.query};
    }
}

/** A time series query: the first column is `time`, rows ascending by it (sqlds' long-to-wide conversion needs that). */
export function timeSeries(rawSql: string): ClickHouseQueryBuilder {
    return new ClickHouseQueryBuilder(rawSql, QueryFormat.TimeSeries);
}

export function table(rawSql: string): ClickHouseQueryBuilder {
    return new ClickHouseQueryBuilder(rawSql, QueryFormat.Table);
}

/** Removes the indentation of a template literal, so the saved SQL reads well in Grafana's editor. */
function trimSql(sql: string): string {
    const lines = sql.replace(/^\n+/, '').replace(/\s+$/, '').split('\n');
    const indent = Math.min(...lines.filter((line) => line.trim() !== '').map((line) => line.length - line.trimStart().length));
    return lines.map((line) => line.slice(indent)).join('\n');
}
