// What Grafana's dashboard import reads besides the dashboard, as Grafana's "Export for sharing
// externally" writes it: __inputs, the data sources to ask the importer for (Grafana replaces each
// input's ${NAME} in the JSON with the UID of the data source picked), and __requires, what the
// dashboard needs installed.
import * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import {DATASOURCE_INPUT, PLUGIN_ID, PLUGIN_NAME, PLUGIN_VERSION} from './datasource.js';
import {PROMETHEUS_INPUT, PROMETHEUS_TYPE} from './prometheus.js';

/** The Grafana whose dashboard schema the foundation SDK writes (docker-compose.yml runs an 11.6 release). */
const GRAFANA_VERSION = '11.6.0';
/** Grafana's names of the core panels the dashboards use; core panels carry no version of their own. */
const PANEL_NAMES: Record<string, string> = {stat: 'Stat', table: 'Table', timeseries: 'Time series'};

interface Requirement {
    type: 'grafana' | 'datasource' | 'panel';
    id: string;
    name: string;
    version: string;
}

function panelRequirement(type: string): Requirement {
    const name = PANEL_NAMES[type];
    if (name === undefined) {
        throw new Error(`No name for panel type '${type}' in PANEL_NAMES`);
    }
    return {type: 'panel', id: type, name, version: ''};
}

export function importable(built: dashboard.Dashboard): object {
    const panelTypes = new Set((built.panels ?? []).map((panel) => panel.type).filter((type) => type !== 'row'));
    const readsPrometheus = (built.panels ?? []).some((panel) => 'datasource' in panel && panel.datasource?.type === PROMETHEUS_TYPE);
    const requirements: Requirement[] = [
        {type: 'grafana', id: 'grafana', name: 'Grafana', version: GRAFANA_VERSION},
        {type: 'datasource', id: PLUGIN_ID, name: PLUGIN_NAME, version: PLUGIN_VERSION},
        // Prometheus is a core data source: no version of its own.
        ...(readsPrometheus ? [{type: 'datasource' as const, id: PROMETHEUS_TYPE, name: 'Prometheus', version: '1.0.0'}] : []),
        ...[...panelTypes].map(panelRequirement),
    ];
    const prometheusInput = {
        name: PROMETHEUS_INPUT,
        label: 'Prometheus',
        description: 'The Prometheus that scrapes the service\'s admin /metrics/prometheus',
        type: 'datasource',
        pluginId: PROMETHEUS_TYPE,
        pluginName: 'Prometheus',
    };
    return {
        __inputs: [{
            name: DATASOURCE_INPUT,
            label: PLUGIN_NAME,
            description: 'The ClickHouse data source of the Delivery Ledger database',
            type: 'datasource',
            pluginId: PLUGIN_ID,
            pluginName: PLUGIN_NAME,
        }, ...(readsPrometheus ? [prometheusInput] : [])],
        __requires: requirements.sort((left, right) => (left.id < right.id ? -1 : 1)),
        ...built,
    };
}
