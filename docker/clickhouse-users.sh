#!/usr/bin/env bash
# The ClickHouse users of a Delivery Ledger deployment, least privilege (docs/deployment.md, "ClickHouse users"):
#   ledger   the service: creates, migrates, reads and writes its database only (the migrations create
#            tables and materialized views, alter them, and the read model's rebuild truncates tables)
#   grafana  the dashboards and alert rules: reads that database only, with memory and time limits
# docker-compose.yml runs this at every `up` (service clickhouse-users), before the service and Grafana
# start: it creates what is missing, sets the passwords from the environment (a changed password takes
# effect) and grants what each user needs. Idempotent.
#
# Environment: CLICKHOUSE_HOST, CLICKHOUSE_ADMIN_USER (default: default), CLICKHOUSE_ADMIN_PASSWORD,
# CLICKHOUSE_DATABASE (default: ledger), CLICKHOUSE_LEDGER_PASSWORD, CLICKHOUSE_GRAFANA_PASSWORD.
# On a cluster (CLICKHOUSE_CLUSTER set, the service's cluster name): CLICKHOUSE_HOST lists every node,
# separated by spaces (users are not replicated), and ledger may also run its DDL ON CLUSTER.
#   clickhouse-users.sh          run the statements with clickhouse-client
#   clickhouse-users.sh --print  print them (passwords included) instead
set -euo pipefail

database="${CLICKHOUSE_DATABASE:-ledger}"
if [[ ! "$database" =~ ^[A-Za-z_][A-Za-z0-9_]*$ ]]; then
    echo "clickhouse-users: CLICKHOUSE_DATABASE must be a plain identifier, not '$database'" >&2
    exit 2
fi

# A ClickHouse string literal: backslashes and quotes escaped.
literal() {
    local value="${1//\\/\\\\}"
    printf "'%s'" "${value//\'/\\\'}"
}

statements() {
    local ledger_password grafana_password
    ledger_password="$(literal "${CLICKHOUSE_LEDGER_PASSWORD:?set CLICKHOUSE_LEDGER_PASSWORD}")"
    grafana_password="$(literal "${CLICKHOUSE_GRAFANA_PASSWORD:?set CLICKHOUSE_GRAFANA_PASSWORD}")"
    cat <<SQL
CREATE USER IF NOT EXISTS ledger IDENTIFIED WITH sha256_password BY $ledger_password;
ALTER USER ledger IDENTIFIED WITH sha256_password BY $ledger_password;
GRANT SELECT, INSERT, ALTER, CREATE DATABASE, CREATE TABLE, CREATE VIEW, DROP TABLE, DROP VIEW, TRUNCATE, OPTIMIZE, SHOW ON \`$database\`.* TO ledger;
CREATE SETTINGS PROFILE IF NOT EXISTS grafana_limits SETTINGS readonly = 2, max_memory_usage = 1000000000 MAX 1000000000, max_execution_time = 60 MAX 60;
ALTER SETTINGS PROFILE grafana_limits SETTINGS readonly = 2, max_memory_usage = 1000000000 MAX 1000000000, max_execution_time = 60 MAX 60;
CREATE USER IF NOT EXISTS grafana IDENTIFIED WITH sha256_password BY $grafana_password SETTINGS PROFILE 'grafana_limits';
ALTER USER grafana IDENTIFIED WITH sha256_password BY $grafana_password SETTINGS PROFILE 'grafana_limits';
GRANT SELECT ON \`$database\`.* TO grafana;
SQL
    if [[ -n "${CLICKHOUSE_CLUSTER:-}" ]]; then
        echo "GRANT CLUSTER ON *.* TO ledger;"
    fi
}

if [[ "${1:-}" == "--print" ]]; then
    statements
    exit 0
fi
# The admin password travels in the environment, not on the command line.
for host in ${CLICKHOUSE_HOST:?set CLICKHOUSE_HOST}; do
    statements | CLICKHOUSE_PASSWORD="${CLICKHOUSE_ADMIN_PASSWORD:?set CLICKHOUSE_ADMIN_PASSWORD}" clickhouse-client \
        --host "$host" \
        --user "${CLICKHOUSE_ADMIN_USER:-default}" \
        --multiquery
    echo "clickhouse-users: users ledger and grafana ready on database $database at $host"
done
