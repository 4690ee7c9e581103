// Grafana's file provisioning: the data source, a dashboard provider reading the generated JSON,
// and the alert rules in the format of /etc/grafana/provisioning/alerting (apiVersion 1, groups).
import * as alerting from '@grafana/grafana-foundation-sdk/alerting';
import * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import {DATASOURCE_NAME, DATASOURCE_UID, PLUGIN_ID} from './datasource.js';
import {PROMETHEUS_NAME, PROMETHEUS_TYPE, PROMETHEUS_UID, PROMETHEUS_URL, SCRAPE_INTERVAL} from './prometheus.js';
import {ALERT_FOLDER, PanelLink} from './alerts.js';

/** The ClickHouse data source's query timeout: the grafana user's max_execution_time (docker/clickhouse-users.sh). */
export const QUERY_TIMEOUT_SECONDS = 60;

/** Where docker-compose.yml mounts dashboards/generated in the Grafana container. */
export const DASHBOARDS_PATH = '/var/lib/grafana/dashboards/delivery-ledger';
export const DASHBOARD_FOLDER = 'Delivery Ledger';

export function datasourceProvisioning(): object {
    return {
        apiVersion: 1,
        datasources: [{
            name: DATASOURCE_NAME,
            uid: DATASOURCE_UID,
            type: PLUGIN_ID,
            orgId: 1,
            isDefault: true,
            editable: false,
            jsonData: {
                // Grafana expands ${NAME} from its environment when it reads this file.
                host: '${CLICKHOUSE_HOST}',
                port: 9000,
                protocol: 'native',
                username: '${CLICKHOUSE_USER}',
                defaultDatabase: '${CLICKHOUSE_DATABASE}',
                // Seconds; the plugin sends it as max_execution_time, which the grafana user's settings
                // profile caps at 60 (docker/clickhouse-users.sh): more would be refused.
                queryTimeout: String(QUERY_TIMEOUT_SECONDS),
            },
            secureJsonData: {
                password: '${CLICKHOUSE_PASSWORD}',
            },
        }],
    };
}

/** Prometheus, which docker-compose.yml runs, scraping the service's admin port (prometheus/prometheus.yml). */
export function prometheusDatasourceProvisioning(): object {
    return {
        apiVersion: 1,
        datasources: [{
            name: PROMETHEUS_NAME,
            uid: PROMETHEUS_UID,
            type: PROMETHEUS_TYPE,
            orgId: 1,
            isDefault: false,
            editable: false,
            access: 'proxy',
            url: PROMETHEUS_URL,
            jsonData: {
                httpMethod: 'POST',
                // prometheus.yml's scrape interval: $__rate_interval is at least four of them.
                timeInterval: SCRAPE_INTERVAL,
            },
        }],
    };
}

export function dashboardProvisioning(): object {
    return {
        apiVersion: 1,
        providers: [{
            name: 'delivery-ledger',
            orgId: 1,
            folder: DASHBOARD_FOLDER,
            type: 'file',
            disableDeletion: true,
            allowUiUpdates: false,
            updateIntervalSeconds: 60,
            options: {path: DASHBOARDS_PATH},
        }],
    };
}

/** Grafana numbers panels when it loads a dashboard without ids; fixed ids let alert rules point at a panel. */
export function numberPanels(built: dashboard.Dashboard): dashboard.Dashboard {
    let id = 1;
    for (const panel of built.panels ?? []) {
        panel.id = id++;
    }
    return built;
}

export function alertProvisioning(group: alerting.RuleGroup, dashboards: dashboard.Dashboard[], links: PanelLink[]): object {
    return {
        apiVersion: 1,
        groups: [{
            orgId: 1,
            name: group.title,
            folder: ALERT_FOLDER,
            interval: `${group.interval}s`,
            rules: (group.rules ?? []).map((rule) => {
                const link = links.find((candidate) => candidate.ruleUid === rule.uid);
                if (link === undefined) {
                    throw new Error(`Alert rule ${rule.uid} has no panel link`);
                }
                return {
                    uid: rule.uid,
                    title: rule.title,
                    condition: rule.condition,
                    data: rule.data,
                    noDataState: rule.noDataState,
                    execErrState: rule.execErrState,
                    for: rule.for,
                    labels: rule.labels,
                    annotations: {
                        ...rule.annotations,
                        __dashboardUid__: link.dashboardUid,
                        __panelId__: String(panelId(dashboards, link)),
                    },
                    isPaused: false,
                };
            }),
        }],
    };
}

function panelId(dashboards: dashboard.Dashboard[], link: PanelLink): number {
    const target = dashboards.find((candidate) => candidate.uid === link.dashboardUid);
    const panel = target?.panels?.find((candidate) => 'title' in candidate && candidate.title === link.panelTitle);
    if (panel === undefined || panel.id === undefined) {
        throw new Error(`Alert rule ${link.ruleUid} links to a missing panel '${link.panelTitle}' of dashboard ${link.dashboardUid}`);
    }
    return panel.id;
}
