// Panel shapes the dashboards repeat. The tests read each panel's type from the generated JSON and
// check that its query returns what that type needs: one value for a stat, a time column and
// numbers for a time series, rows for a table.
import * as common from '@grafana/grafana-foundation-sdk/common';
import * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import * as prometheus from '@grafana/grafana-foundation-sdk/prometheus';
import * as stat from '@grafana/grafana-foundation-sdk/stat';
import * as tablePanel from '@grafana/grafana-foundation-sdk/table';
import * as timeseries from '@grafana/grafana-foundation-sdk/timeseries';
import {datasource, table, timeSeries} from './datasource.js';
import {prometheusDatasource} from './prometheus.js';
import {StatusGroup} from './sql.js';

export interface Position {
    x: number;
    y: number;
    w: number;
    h: number;
}

/** The stat's data source and query, set where Grafana's JSON has them (after the description). */
type Source<Panel> = (panel: Panel) => Panel;

function statOf(title: string, description: string, unit: string, position: Position, source: Source<stat.PanelBuilder>): stat.PanelBuilder {
    return source(new stat.PanelBuilder()
        .title(title)
        .description(description))
        .unit(unit)
        .graphMode(common.BigValueGraphMode.None)
        .colorMode(common.BigValueColorMode.None)
        .reduceOptions(new common.ReduceDataOptionsBuilder().calcs(['lastNotNull']).values(false))
        .gridPos(position);
}

export function statPanel(title: string, description: string, unit: string, sql: string, position: Position): stat.PanelBuilder {
    return statOf(title, description, unit, position, (panel) => panel.datasource(datasource).withTarget(table(sql)));
}

/** Green below an alert rule's threshold, red from it: the stat and the rule agree on what is bad. */
export function redFromThreshold(panel: stat.PanelBuilder, threshold: number): stat.PanelBuilder {
    return panel
        .colorMode(common.BigValueColorMode.Value)
        .thresholds(new dashboard.ThresholdsConfigBuilder()
            .mode(dashboard.ThresholdsMode.Absolute)
            .steps([{value: null, color: 'green'}, {value: threshold, color: 'red'}]));
}

/**
 * Points per series at most: Grafana's interval is then the range over 200, so a 30-day range asks for
 * hours (the read model's hour rows) rather than the minutes a 1,000-pixel panel would ask for.
 */
const MAX_DATA_POINTS = 200;

function timeSeriesOf(title: string, description: string, unit: string, position: Position, source: Source<timeseries.PanelBuilder>): timeseries.PanelBuilder {
    return source(new timeseries.PanelBuilder()
        .title(title)
        .maxDataPoints(MAX_DATA_POINTS)
        .description(description))
        .unit(unit)
        .min(0)
        .fillOpacity(10)
        .legend(new common.VizLegendOptionsBuilder().showLegend(true).displayMode(common.LegendDisplayMode.List).placement(common.LegendPlacement.Bottom))
        .gridPos(position);
}

export function timeSeriesPanel(title: string, description: string, unit: string, sql: string, position: Position): timeseries.PanelBuilder {
    return timeSeriesOf(title, description, unit, position, (panel) => panel.datasource(datasource).withTarget(timeSeries(sql)));
}

/** A time series of Prometheus queries, one series per legend of each. */
export function prometheusTimeSeriesPanel(title: string, description: string, unit: string, queries: prometheus.DataqueryBuilder[], position: Position): timeseries.PanelBuilder {
    return timeSeriesOf(title, description, unit, position, (panel) => queries.reduce((withTargets, query) => withTargets.withTarget(query), panel.datasource(prometheusDatasource)));
}

/** Bars stacked per interval, for counts that add up (messages by status, runs by outcome). */
export function stackedBarsPanel(title: string, description: string, unit: string, sql: string, position: Position): timeseries.PanelBuilder {
    return timeSeriesPanel(title, description, unit, sql, position)
        .drawStyle(common.GraphDrawStyle.Bars)
        .fillOpacity(80)
        .stacking(new common.StackingConfigBuilder().mode(common.StackingMode.Normal));
}

export function tableOfRows(title: string, description: string, sql: string, position: Position): tablePanel.PanelBuilder {
    return new tablePanel.PanelBuilder()
        .title(title)
        .description(description)
        .datasource(datasource)
        .withTarget(table(sql))
        .gridPos(position);
}

/** Shows the series or columns named after status groups in the groups' colours (a table colours the text). */
export function coloursOf<Panel extends timeseries.PanelBuilder | tablePanel.PanelBuilder>(panel: Panel, groups: StatusGroup[]): Panel {
    const cellOptions = panel instanceof tablePanel.PanelBuilder ? [{id: 'custom.cellOptions', value: {type: 'color-text'}}] : [];
    for (const group of groups) {
        panel.overrideByName(group.name, [{id: 'color', value: {mode: 'fixed', fixedColor: group.color}}, ...cellOptions]);
    }
    return panel;
}

export function row(title: string, y: number): dashboard.RowBuilder {
    return new dashboard.RowBuilder(title).gridPos({x: 0, y, w: 24, h: 1});
}
