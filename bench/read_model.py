#!/usr/bin/env python3
"""Read-model benchmark: what every query a user can trigger costs at volume.

Loads N generated messages (about 3 events each) spread over the last D days into a private local
ClickHouse engine, builds the read model with the service's own `rebuild-read-model` command, starts
the service, and times, for the last 24 hours and the last 30 days:
  - every analytics API endpoint and a grouped report (HTTP, through the service);
  - every panel query of the generated dashboards and every alert rule query (expanded as Grafana's
    ClickHouse plugin expands them, by dashboards/build/test/macros.js, sent to the engine);
  - beside them, in the same run, the exact per-message queries on message_status that answer the
    same questions without the read model (counts by current status, latency percentiles).
Each query runs once unmeasured, then R times; the report gives the median, and each read-model query's ratio to the
per-message count of the same range. See bench/README.md ("Read model").

  bench/read-model [--messages N] [--days D] [--runs R] [--baseline-runs R] [--keep-work-dir]
"""
import argparse
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from datetime import datetime, timedelta, timezone

BENCH_DIR = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(BENCH_DIR)
JAR = os.path.join(ROOT, "service", "target", "delivery-ledger.jar")
API_TOKEN = "bench-api-token"
ACCOUNT = "AC" + "b" * 32
CHUNK = 500_000

# One message per number: its account, service, country, channel, sender and lifecycle derive from
# hashes of the number, so a run loads the same data every time. Times: queued at a hashed instant
# of the period, sent 0.2-20 s later, final 1-120 s after that.
LOAD = """
INSERT INTO status_events (event_id, received_at, event_time, source, direction, account_sid, message_sid, messaging_service_sid,
    status, status_rank, error_code, from_address, to_address, api_version, idempotency_token, journal_position, tags, parameters,
    country, number_type, channel)
SELECT
    lower(hex(MD5(concat(sid, event.1)))),
    queued + toIntervalMillisecond(event.2),
    queued + toIntervalMillisecond(event.2),
    if(cityHash64(number, 9) % 50 = 0, 'reconcile', 'callback'),
    'outbound',
    ['AC' || repeat('a', 32), 'AC' || repeat('b', 32), 'AC' || repeat('c', 32)][cityHash64(number, 2) % 3 + 1],
    sid,
    ['', 'MG' || repeat('1', 32), 'MG' || repeat('2', 32), 'MG' || repeat('3', 32)][cityHash64(number, 3) % 4 + 1],
    event.1,
    event.3,
    event.4,
    if(channel = 'whatsapp', 'whatsapp:+14155550100', ['+14155550100', '+14155550101', '+442071838750', 'Ledger', '+61491570006', '+4930901820'][cityHash64(number, 4) % 6 + 1]),
    concat(if(channel = 'whatsapp', 'whatsapp:', ''), '+1415555', leftPad(toString(number % 10000), 4, '0')),
    '2010-04-01', '', 0,
    map('campaign', ['spring', 'summer', 'autumn', 'winter', 'launch'][cityHash64(number, 5) % 5 + 1]),
    if(event.1 = 'delivered', map('RawDlrDoneDate', formatDateTime(queued + toIntervalMillisecond(event.2), '%y%m%d%H%i')), map()),
    ['US', 'GB', 'DE', 'BR', 'IN', 'FR', 'MX', 'NG', 'AU', 'ES'][cityHash64(number, 6) % 10 + 1],
    'mobile',
    channel
FROM
(
    SELECT
        number,
        concat(if(channel = 'mms', 'MM', 'SM'), lower(hex(MD5(toString(number))))) AS sid,
        ['sms', 'sms', 'sms', 'sms', 'whatsapp', 'mms'][cityHash64(number, 1) % 6 + 1] AS channel,
        toDateTime64({start:DateTime64(3, 'UTC')}, 3, 'UTC') + toIntervalMillisecond(cityHash64(number, 7) % {period_ms:UInt64}) AS queued,
        200 + cityHash64(number, 8) % 20000 AS sent_after,
        sent_after + 1000 + cityHash64(number, 10) % 120000 AS final_after,
        cityHash64(number, 11) % 100 AS outcome,
        [30003, 30005, 30006, 30007, 30008, 21610][cityHash64(number, 12) % 6 + 1] AS code
    FROM numbers({first:UInt64}, {count:UInt64})
)
ARRAY JOIN multiIf(
    outcome < 70, [('queued', 0, 2, NULL), ('sent', sent_after, 4, NULL), ('delivered', final_after, 5, NULL)],
    outcome < 78, [('queued', 0, 2, NULL), ('sent', sent_after, 4, NULL), ('undelivered', final_after, 5, code)],
    outcome < 82, [('queued', 0, 2, NULL), ('failed', sent_after, 5, code)],
    outcome < 86, [('queued', 0, 2, NULL), ('sent', sent_after, 4, NULL), ('delivered', final_after, 5, NULL), ('read', final_after + 60000, 6, NULL)],
    outcome < 97, [('queued', 0, 2, NULL), ('sent', sent_after, 4, NULL)],
    [('queued', 0, 2, NULL)]) AS event
"""

# The exact answers without the read model, as the API computed them before it: message_status for
# the messages first seen in the range (narrowed to candidates from message_state first).
PER_MESSAGE = {
    "per-message: counts by current status": """
        SELECT status, count() FROM message_status
        WHERE first_event_at >= {from:DateTime64(3, 'UTC')} AND first_event_at < {to:DateTime64(3, 'UTC')}
          AND message_sid IN (SELECT message_sid FROM message_state WHERE first_event_at >= {from:DateTime64(3, 'UTC')} AND first_event_at < {to:DateTime64(3, 'UTC')})
        GROUP BY status""",
    "per-message: latency percentiles": """
        SELECT quantilesExact(0.5, 0.9, 0.99)(dateDiff('millisecond', assumeNotNull(sent_at), assumeNotNull(delivered_at))) FROM message_status
        WHERE first_event_at >= {from:DateTime64(3, 'UTC')} AND first_event_at < {to:DateTime64(3, 'UTC')}
          AND message_sid IN (SELECT message_sid FROM message_state WHERE first_event_at >= {from:DateTime64(3, 'UTC')} AND first_event_at < {to:DateTime64(3, 'UTC')})
          AND sent_at IS NOT NULL AND delivered_at IS NOT NULL""",
}

API = [
    ("api: stats/summary", "/api/v1/stats/summary"),
    ("api: stats/timeseries", "/api/v1/stats/timeseries"),
    ("api: stats/breakdown?by=country", "/api/v1/stats/breakdown?by=country"),
    ("api: stats/breakdown?by=error_code", "/api/v1/stats/breakdown?by=error_code"),
    ("api: stats/breakdown?by=from", "/api/v1/stats/breakdown?by=from"),
    ("api: stats/breakdown?by=tag:campaign", "/api/v1/stats/breakdown?by=tag%3Acampaign"),
    ("api: stats/latency", "/api/v1/stats/latency"),
    ("api: stats/summary&tag=campaign:spring", "/api/v1/stats/summary?tag=campaign%3Aspring"),
    ("api: reports/delivery?groupBy=day,status", "/api/v1/reports/delivery?groupBy=day,status&format=csv"),
]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def clickhouse(url, sql, parameters=None, database="ledger"):
    query = {"database": database}
    for name, value in (parameters or {}).items():
        query["param_" + name] = str(value)
    request = urllib.request.Request(url + "/?" + urllib.parse.urlencode(query), data=sql.encode())
    with urllib.request.urlopen(request, timeout=3600) as response:
        return response.read().decode()


def timed(action, runs):
    # One run first, not counted: the service's first request of a kind, caches, background merges.
    action()
    durations = []
    for _ in range(runs):
        started = time.perf_counter()
        action()
        durations.append((time.perf_counter() - started) * 1000)
    return statistics.median(durations)


def wait_for(url, seconds, what):
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            urllib.request.urlopen(url, timeout=2).read()
            return
        except (urllib.error.URLError, ConnectionError, OSError):
            time.sleep(0.5)
    raise SystemExit(f"read-model bench: {what} did not answer at {url} within {seconds} s")


def call_api(http_port, path, time_from, time_to):
    window = "from=" + urllib.parse.quote(time_from.isoformat()) + "&to=" + urllib.parse.quote(time_to.isoformat())
    request = urllib.request.Request(f"http://127.0.0.1:{http_port}{path}{'&' if '?' in path else '?'}{window}", headers={"Authorization": "Bearer " + API_TOKEN})
    with urllib.request.urlopen(request, timeout=600) as response:
        response.read()


def dashboard_queries(time_from, time_to):
    """Every panel and alert query of the generated dashboards, expanded for the range."""
    script = os.path.join(BENCH_DIR, "dashboard_queries.mjs")
    output = subprocess.run(["node", script, time_from.isoformat(), time_to.isoformat()], check=True, capture_output=True, text=True, cwd=ROOT).stdout
    return json.loads(output)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--messages", type=int, default=3_000_000)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--baseline-runs", type=int, help="runs of the per-message queries (default: --runs); they take seconds to minutes each at volume")
    parser.add_argument("--keep-work-dir", action="store_true")
    options = parser.parse_args()

    if not os.path.exists(JAR) or subprocess.run(["find", "pom.xml", "service/pom.xml", "service/src", "-newer", JAR, "-print", "-quit"], cwd=ROOT, capture_output=True, text=True).stdout:
        print("read-model bench: building the service jar", flush=True)
        subprocess.run(["mvn", "-B", "-q", "-DskipTests", "package", "-pl", "service", "-am"], cwd=ROOT, check=True)
    if not os.path.exists(os.path.join(ROOT, "dashboards", "build", "test", "macros.js")):
        subprocess.run(["npm", "run", "--silent", "compile"], cwd=os.path.join(ROOT, "dashboards"), check=True)

    work = tempfile.mkdtemp(prefix="read-model-bench-")
    engine_port, http_port, admin_port = free_port(), free_port(), free_port()
    engine_url = f"http://127.0.0.1:{engine_port}"
    engine_env = dict(os.environ, CLICKHOUSE_LOCAL_PORT=str(engine_port), CLICKHOUSE_LOCAL_DATA=os.path.join(work, "clickhouse"))
    service_env = dict(os.environ, CLICKHOUSE_URL=engine_url, HTTP_PORT=str(http_port), ADMIN_PORT=str(admin_port), API_TOKEN=API_TOKEN,
                       TWILIO_ACCOUNT_SID=ACCOUNT, TWILIO_AUTH_TOKEN="bench-token", JOURNAL_DIR=os.path.join(work, "journal"))
    java = ["java", "-Duser.timezone=UTC", "-XX:+UseParallelGC", "-Ddw.reconcile.schedule=false"]
    service = None
    try:
        subprocess.run([os.path.join(ROOT, "scripts", "clickhouse-local"), "start"], env=engine_env, check=True)
        subprocess.run(java + ["-jar", JAR, "migrate", "config.yml"], env=service_env, cwd=ROOT, check=True, stdout=subprocess.DEVNULL)

        now = datetime.now(timezone.utc).replace(second=0, microsecond=0)
        start = now - timedelta(days=options.days)
        started = time.perf_counter()
        for first in range(0, options.messages, CHUNK):
            clickhouse(engine_url, LOAD, {"start": start.strftime("%Y-%m-%d %H:%M:%S.000"), "period_ms": options.days * 86_400_000,
                                          "first": first, "count": min(CHUNK, options.messages - first)})
            print(f"read-model bench: loaded {min(first + CHUNK, options.messages):,} of {options.messages:,} messages", flush=True)
        events = int(clickhouse(engine_url, "SELECT count() FROM status_events"))
        load_seconds = time.perf_counter() - started

        started = time.perf_counter()
        subprocess.run(java + ["-Ddw.readModel.apply=false", "-jar", JAR, "rebuild-read-model", "config.yml", "--force"], env=service_env, cwd=ROOT, check=True)
        build_seconds = time.perf_counter() - started

        log = open(os.path.join(work, "service.log"), "w")
        service = subprocess.Popen(java + ["-jar", JAR, "server", "config.yml"], env=service_env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        wait_for(f"http://127.0.0.1:{admin_port}/ping", 120, "the service")

        ranges = [("last 24 h", now - timedelta(hours=24), now), (f"last {options.days} days", start, now)]
        # A fresh JVM: let the service's request path get compiled before anything is measured.
        for _, time_from, time_to in ranges:
            for _, path in API:
                for _ in range(3):
                    call_api(http_port, path, time_from, time_to)
        rows = []
        for range_name, time_from, time_to in ranges:
            parameters = {"from": time_from.strftime("%Y-%m-%d %H:%M:%S.000"), "to": time_to.strftime("%Y-%m-%d %H:%M:%S.000")}
            baseline = {}
            for name, sql in PER_MESSAGE.items():
                baseline[name] = timed(lambda: clickhouse(engine_url, sql, parameters), options.baseline_runs or options.runs)
                rows.append((range_name, name, baseline[name], None))
            reference = baseline["per-message: counts by current status"]
            for name, path in API:
                rows.append((range_name, name, timed(lambda: call_api(http_port, path, time_from, time_to), options.runs), reference))
            for query in dashboard_queries(time_from, time_to):
                rows.append((range_name, query["name"], timed(lambda: clickhouse(engine_url, query["sql"]), options.runs), reference))

        report = render(options, events, load_seconds, build_seconds, rows)
        print(report)
        results = os.path.join(BENCH_DIR, "results", f"read-model-{options.messages}.md")
        with open(results, "w") as file:
            file.write(report)
        print(f"read-model bench: report written to {os.path.relpath(results, ROOT)}")
    finally:
        if service is not None:
            os.killpg(service.pid, signal.SIGTERM)
            service.wait(60)
        subprocess.run([os.path.join(ROOT, "scripts", "clickhouse-local"), "stop"], env=engine_env, check=False, stdout=subprocess.DEVNULL)
        if options.keep_work_dir:
            print(f"read-model bench: work directory kept: {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


def render(options, events, load_seconds, build_seconds, rows):
    cores = os.cpu_count()
    lines = [
        f"# Read-model benchmark: {options.messages:,} messages",
        "",
        f"Run {datetime.now(timezone.utc).strftime('%Y-%m-%d %H:%M')} UTC on {cores} cores with the local ClickHouse engine (chDB): "
        f"`bench/read-model --messages {options.messages} --days {options.days} --runs {options.runs}"
        f"{f' --baseline-runs {options.baseline_runs}' if options.baseline_runs else ''}`.",
        f"{options.messages:,} messages ({events:,} events) over {options.days} days, loaded in {load_seconds:.0f} s; "
        f"read model built from them by `rebuild-read-model` in {build_seconds:.0f} s.",
        "Median of the runs, in milliseconds. Ratio: to the per-message count by current status for the same range "
        "(what the API did before the read model), in the same run.",
        "",
        "| range | query | median ms | ratio |",
        "| --- | --- | ---: | ---: |",
    ]
    for range_name, name, milliseconds, reference in rows:
        ratio = "" if reference is None else f"{milliseconds / reference:.3f}"
        lines.append(f"| {range_name} | {name} | {milliseconds:,.0f} | {ratio} |")
    worst = max((row for row in rows if row[3] is not None), key=lambda row: row[2])
    lines += ["", f"Slowest read-model query: {worst[1]} ({worst[0]}), {worst[2]:,.0f} ms.", ""]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
