#!/usr/bin/env python3
"""Turns what bench/run collected into the Markdown report it prints and writes to results/latest.md
(full pipeline) or results/latest-intake-only.md (--intake-only).

Inputs (written by bench/run):
  --results  one line per measurement: run TAB target TAB drain TAB the BENCH_RESULT line that
             bench/callbacks.lua printed (target is "service", "bare", "peer-jdbi" or "peer-async";
             drain is, for the service, the seconds until ClickHouse caught up, or with --intake-only
             the journal's lag afterwards; for a peer, its delivery check: "yes|no ROWS ACCEPTED WRK_2XX")
  --facts    key TAB value lines: machine facts, parameters and the service's state after the runs;
             "mode" is "full" or "intake-only"
"""

import argparse
import os
import re
import statistics
import sys

TARGET_NAMES = {"service": "service (`POST /twilio/status`)", "bare": "bare Jetty (no work)"}
PEER_NAMES = {
    "peer-jdbi": "peer-jdbi (one INSERT per callback)",
    "peer-async": "peer-async (one INSERT per callback, `async_insert=1, wait_for_async_insert=1`)",
}


def parse_result(line):
    fields = {}
    for part in line.split()[1:]:
        name, _, value = part.partition("=")
        fields[name] = value
    return fields


def read_results(path):
    runs = []
    with open(path, encoding="utf-8") as results:
        for line in results:
            if not line.strip():
                continue
            run, target, drain, bench_result = line.rstrip("\n").split("\t", 3)
            fields = parse_result(bench_result)
            runs.append({
                "run": int(run),
                "target": target,
                "drain": drain,
                "complete": fields["complete"] == "true",
                "responses": int(fields["responses"]),
                "ok": int(fields["ok"]),
                "non2xx": int(fields["non2xx"]),
                "statuses": fields["statuses"],
                "socket_errors": sum(int(fields[name]) for name in ("connect_errors", "read_errors", "write_errors", "timeouts")),
                "ok_per_s": float(fields["ok_per_s"]),
                "elapsed_s": float(fields["elapsed_s"]),
                "p50": float(fields["p50_ms"]),
                "p90": float(fields["p90_ms"]),
                "p99": float(fields["p99_ms"]),
                "max": float(fields["max_ms"]),
            })
    return runs


def read_facts(path):
    facts = {}
    with open(path, encoding="utf-8") as lines:
        for line in lines:
            if "\t" in line:
                name, value = line.rstrip("\n").split("\t", 1)
                if name == "log_line":
                    facts.setdefault("log_lines", []).append(value)
                elif name == "open_loop":
                    facts.setdefault("open_loop", []).append(value)
                else:
                    facts[name] = value
    return facts


def milliseconds(value):
    return f"{value:.2f} ms" if value < 10 else f"{value:.1f} ms"


def summary(runs, target):
    measured = [run for run in runs if run["target"] == target]
    if not measured:
        return None
    return {
        "ok_per_s": statistics.median(run["ok_per_s"] for run in measured),
        "p50": statistics.median(run["p50"] for run in measured),
        "p99": statistics.median(run["p99"] for run in measured),
        "non2xx": sum(run["non2xx"] for run in measured),
        "socket_errors": sum(run["socket_errors"] for run in measured),
        "complete": all(run["complete"] for run in measured),
        "each": ", ".join(f"{run['ok_per_s']:,.0f}" for run in measured),
    }


OPEN_LOOP_NAMES = {
    "service-half": "service, half the closed-loop median",
    "bare-half": "bare Jetty, the same rate",
    "service-freshness": "service, with freshness",
}
# The aims: p99 acknowledgement at half the maximum rate, p99 acknowledged-to-visible at 5,000/s.
OPEN_LOOP_ACK_AIM_MS = 10
OPEN_LOOP_FRESHNESS_AIM_MS = 2000


def read_open_loop(facts):
    """The open-loop phase's results (bench/open_loop.bash): label, ClickHouse drain and OPEN_LOOP_RESULT fields."""
    results = {}
    for value in facts.get("open_loop", []):
        label, drain, line = value.split("\t", 2)
        results[label] = dict(parse_result(line), drain=drain)
    return results


GC_PAUSE = re.compile(r"^\[(\d+)ms\].* Pause .* (\d+(?:\.\d+)?)ms$")


def service_pauses(facts, result):
    """The service's collections that overlapped the measurement's recorded part: count, longest and total ms."""
    path = facts.get("service_gc_log")
    if not path or "recorded_from_epoch_ms" not in result or not os.path.exists(path):
        return None
    start, end = int(result["recorded_from_epoch_ms"]), int(result["recorded_to_epoch_ms"])
    pauses = []
    with open(path, encoding="utf-8") as lines:
        for line in lines:
            match = GC_PAUSE.match(line.strip())
            # Stamped when the pause ended.
            if match and int(match.group(1)) >= start and int(match.group(1)) - float(match.group(2)) <= end:
                pauses.append(float(match.group(2)))
    return len(pauses), max(pauses, default=0.0), sum(pauses)


def aim_text(value_ms, aim_ms, clean):
    verdict = "met" if value_ms <= aim_ms else "**not met**"
    return verdict + ("" if clean else "; not a clean measurement, see below")


def render_open_loop(facts):
    """Open-loop latency (constant rate, timed from each callback's intended send time) and freshness."""
    results = read_open_loop(facts)
    if not results:
        return []
    out = ["## Open-loop latency and freshness", ""]
    out.append("`OpenLoopLoad` sends the callbacks at a constant rate whatever the answers do (an open loop, as Twilio does), "
               "over keep-alive connections, and times each one from its **intended** send time on the schedule, not from when it "
               "went out: a stall of the server shows as the delay of every callback scheduled behind it (no coordinated omission). "
               "Settings: " + facts.get("open_loop_settings", "?") + ".")
    out.append("")
    out.append("| measurement | rate asked | sent/s | p50 | p90 | p99 | p99.9 | max | non-2xx | errors | found every connection busy "
               "| most in flight | generator: send lag p99 / max, GC | service GC pauses: count, longest / total | ClickHouse caught up after |")
    out.append("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- | ---: |")
    clean = {}
    for label, result in results.items():
        problems = int(result["non2xx"]) + int(result["errors"]) + int(result["unanswered"])
        clean[label] = problems == 0 and int(result["waited_for_connection"]) == 0
        non2xx = result["non2xx"] if result["non2xx"] == "0" else f"{result['non2xx']} ({result['statuses']})"
        errors = result["errors"] if result["unanswered"] == "0" else f"{result['errors']}, {result['unanswered']} unanswered"
        pauses = service_pauses(facts, result) if label.startswith("service") else None
        pause_text = f"{pauses[0]}, {milliseconds(pauses[1])} / {milliseconds(pauses[2])}" if pauses else ""
        out.append(f"| {OPEN_LOOP_NAMES.get(label, label)} | {float(result['target_per_s']):,.0f} | {float(result['sent_per_s']):,.0f} "
                   f"| {milliseconds(float(result['p50_ms']))} | {milliseconds(float(result['p90_ms']))} | {milliseconds(float(result['p99_ms']))} "
                   f"| {milliseconds(float(result['p99.9_ms']))} | {milliseconds(float(result['max_ms']))} | {non2xx} | {errors} "
                   f"| {result['waited_for_connection']} | {result['max_in_flight']} "
                   f"| {milliseconds(float(result['send_lag_p99_ms']))} / {milliseconds(float(result['send_lag_max_ms']))}, "
                   f"{result['generator_gc_count']} GC {result['generator_gc_ms']} ms | {pause_text} | {result['drain'] + ' s' if result['drain'] else ''} |")
    out.append("")
    half, bare = results.get("service-half"), results.get("bare-half")
    if half:
        line = (f"**Acknowledgement p99 at half the maximum ({float(half['target_per_s']):,.0f}/s): {milliseconds(float(half['p99_ms']))}** "
                f"(aim ≤ {OPEN_LOOP_ACK_AIM_MS} ms: {aim_text(float(half['p99_ms']), OPEN_LOOP_ACK_AIM_MS, clean['service-half'])})")
        if bare:
            line += f"; bare Jetty at the same rate with the same generator: {milliseconds(float(bare['p99_ms']))}"
        out.append(line + ".")
        out.append("")
    fresh = results.get("service-freshness")
    if fresh and "fresh_samples" in fresh:
        never = int(fresh["fresh_not_visible"]) + int(fresh["fresh_unresolved"])
        if int(fresh["fresh_visible"]) == 0:
            out.append(f"**Freshness at {float(fresh['target_per_s']):,.0f}/s: not measured, no sample became visible** "
                       f"(aim p99 ≤ {OPEN_LOOP_FRESHNESS_AIM_MS / 1000:.0f} s: **not met**), from the acknowledgement to the API's 200 for the message:")
        else:
            out.append(f"**Freshness p99 at {float(fresh['target_per_s']):,.0f}/s: {float(fresh['fresh_p99_ms']) / 1000:.2f} s** "
                       f"(aim ≤ {OPEN_LOOP_FRESHNESS_AIM_MS / 1000:.0f} s: "
                       f"{aim_text(float(fresh['fresh_p99_ms']), OPEN_LOOP_FRESHNESS_AIM_MS, clean['service-freshness'] and never == 0)}), "
                       "from the acknowledgement to the API's 200 for the message:")
        out.append("")
        # Near or past the maximum, callbacks queue for the whole measurement and the API's requests queue
        # behind them: the numbers then measure that backlog, not freshness.
        maximum = 2 * float(half["target_per_s"]) if half else None
        if (maximum and float(fresh["target_per_s"]) > 0.8 * maximum) or float(fresh["p50_ms"]) > 100:
            out.append(f"**The service did not keep up at {float(fresh['target_per_s']):,.0f}/s in this run** (acknowledgement p50 "
                       f"{milliseconds(float(fresh['p50_ms']))}" + (f"; this run's closed-loop maximum ~{maximum:,.0f}/s" if maximum else "")
                       + "): callbacks queued for the whole measurement and the API's requests behind them, so this measures that "
                       "backlog, not freshness. Rerun on a quiet machine.")
            out.append("")
        out.append("| samples | visible | never visible | p50 | p90 | p99 | max | the poll that found it: p50 / p99 | polls | polls answered neither 200 nor 404 |")
        out.append("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
        never_text = str(never) if never == 0 else f"**{fresh['fresh_not_visible']} within {fresh['visible_within_s']} s, {fresh['fresh_unresolved']} unresolved**"
        poll_errors = fresh["fresh_poll_errors"] if fresh["fresh_poll_errors"] == "0" else f"{fresh['fresh_poll_errors']} ({fresh['fresh_poll_error_statuses']})"
        out.append(f"| {fresh['fresh_samples']} | {fresh['fresh_visible']} | {never_text} | {milliseconds(float(fresh['fresh_p50_ms']))} "
                   f"| {milliseconds(float(fresh['fresh_p90_ms']))} | {milliseconds(float(fresh['fresh_p99_ms']))} "
                   f"| {milliseconds(float(fresh['fresh_max_ms']))} "
                   f"| {milliseconds(float(fresh.get('finding_poll_p50_ms', 'nan')))} / {milliseconds(float(fresh.get('finding_poll_p99_ms', 'nan')))} "
                   f"| {int(fresh['fresh_polls']):,} (~{int(fresh['fresh_polls']) / float(fresh['duration_s']):,.0f}/s) "
                   f"| {poll_errors} |")
        out.append("")
        if "open_loop_receipt_to_stored" in facts:
            p50, p99, worst = (float(value) for value in facts["open_loop_receipt_to_stored"].split("\t"))
            out.append(f"The service's own measure, without polling (`sink.receipt-to-stored`: every event, from its receipt, before its "
                       f"fsync and acknowledgement, to ClickHouse confirming its insert; Dropwizard's recent samples, mostly this "
                       f"measurement's): p50 {milliseconds(p50)}, p99 {milliseconds(p99)}, max {milliseconds(worst)}.")
            out.append("")
        out.append(f"Freshness: 1 in {fresh['sample_every']} acknowledged callbacks, polled with `GET /api/v1/messages/{{sid}}` every "
                   f"{fresh['poll_interval_ms']} ms, or every 1/40 of the sample's age once that is longer (one poll per sample at a time, "
                   "on connections of their own), until it answers 200; the time is until that answer arrived, so it is at most one poll "
                   "interval (or 2.5 % of the time) plus one query above the moment the message became visible. The batch writer gathers up to `batchWriter.maxAge` (1 s) before it inserts, then the insert takes its time. "
                   "The local engine (chDB) runs one statement at a time, so a poll also waits for any insert in progress: \"the poll that "
                   "found it\" is how long the answering poll took, time that a ClickHouse server, which queries while it inserts, "
                   "would mostly not add.")
        out.append("")
    out.append("sent/s: the callbacks of the recorded part over the time it took to send them (the rate asked, unless the generator fell "
               "behind). Latencies from the intended send time, so they include any delay of the generator itself: its send lag (how "
               "late it sent) and its garbage collections are shown, and bare Jetty at the same rate, through the same generator on the "
               "same cores, is the floor. found every connection busy: callbacks that had to wait for a connection (up to "
               f"{next(iter(results.values()))['connections']} are opened); anything but 0 there, in non-2xx or in errors makes a number not clean. "
               "service GC pauses: the service's collections that overlapped the recorded part (its -Xlog:gc log); every callback "
               "scheduled during a pause waits it out, so at these rates two long pauses in the recorded part are enough to set the p99.")
    out.append("")
    return out


def delivery_text(drain):
    """A peer's delivery check, "yes|no ROWS ACCEPTED WRK_2XX", in words."""
    parts = drain.split()
    if len(parts) != 4:
        return drain
    verdict, rows, accepted, answered = parts
    return f"{verdict}: {int(rows):,} rows, {int(accepted):,} accepted, wrk {int(answered):,} 2xx"


def ratio(value, reference):
    share = value / reference
    return f"{share:.2f}" if share >= 0.1 else f"{share:.2g}"


def render_peers(runs, facts, service, bare):
    """The designs a user would write instead, beside the service and bare Jetty of the same run."""
    peers = {target: summary(runs, target) for target in PEER_NAMES}
    if not any(peers.values()):
        return []
    out = ["## Peers: the designs a user would write instead", ""]
    out.append("A minimal Dropwizard app (`bench/target/peer.jar`): twilio-java's `RequestValidator` on every request, then one "
               "`INSERT INTO ... VALUES` per callback through Jdbi (HikariCP pool, default 10 connections), answering 200 only "
               "after the INSERT returned, so an acknowledged callback is in ClickHouse. Against the same local ClickHouse engine, "
               f"{int(facts.get('peer_requests', 0)):,} callbacks per measurement (not {int(facts.get('requests', 0)):,}: one INSERT "
               f"each is slow), after {facts.get('peer_warmup', '?')} s of warm-up each; measured after the service and bare Jetty "
               f"runs, {facts.get('runs')} runs each, alternating which goes first. Ratios are to bare Jetty's median of this run. Medians:")
    out.append("")
    out.append("| target | accepted/s | p50 | p99 | accepted/s ÷ bare | delivered |")
    out.append("| --- | ---: | ---: | ---: | ---: | --- |")
    reference = bare["ok_per_s"] if bare and bare["ok_per_s"] > 0 else None
    if service:
        rows, accepted = facts.get("clickhouse_rows", "?"), facts.get("accepted", "?")
        verdict = "yes" if rows == accepted and rows.isdigit() else "no"
        rows, accepted = (f"{int(count):,}" if count.isdigit() else count for count in (rows, accepted))
        out.append(f"| {TARGET_NAMES['service']} | {service['ok_per_s']:,.0f} | {milliseconds(service['p50'])} | {milliseconds(service['p99'])} "
                   f"| {ratio(service['ok_per_s'], reference) if reference else '?'} | {verdict}: {rows} rows in `ledger.status_events`, "
                   f"{accepted} accepted (`intake.accepted`), after ClickHouse caught up |")
    if bare:
        out.append(f"| {TARGET_NAMES['bare']} | {bare['ok_per_s']:,.0f} | {milliseconds(bare['p50'])} | {milliseconds(bare['p99'])} | 1.00 | (stores nothing) |")
    for target, result in peers.items():
        if result is None:
            continue
        checks = [run["drain"] for run in runs if run["target"] == target]
        failed = [check for check in checks if not check.startswith("yes ")]
        verdict = delivery_text(checks[-1])
        if failed:
            verdict = f"**no** in {len(failed)} of {len(checks)} checks; last: " + verdict
        out.append(f"| {PEER_NAMES[target]} | {result['ok_per_s']:,.1f} | {milliseconds(result['p50'])} | {milliseconds(result['p99'])} "
                   f"| {ratio(result['ok_per_s'], reference) if reference else '?'} | {verdict} |")
    out.append("")
    out.append("delivered, for a peer: the rows in its own table equal its own count of callbacks answered 200 after their INSERT "
               "(`peer.accepted`), checked after each of its measurements (counts since its start, warm-up included) once that "
               "count holds still; wrk's count of 2xx is lower by the requests in flight when wrk stopped (at most C per wrk run), "
               "which the peer still stored and answered. Each run's peer rates: "
               + "; ".join(f"{target} {result['each']}" for target, result in peers.items() if result) + ".")
    out.append("")
    queued = facts.get("async_insert_queries", "?")
    if queued == "0":
        out.append("**peer-async ran as plain synchronous INSERTs here.** The local engine (chDB, embedded ClickHouse) has no "
                   "asynchronous insert queue: it accepts `async_insert=1, wait_for_async_insert=1` and runs each INSERT at once, "
                   "one part per INSERT; ClickHouse counted 0 `AsyncInsertQuery` events in this run. Its numbers say nothing about "
                   "asynchronous inserts on a ClickHouse server, where many concurrent INSERTs share one flush (and each waits up "
                   "to `async_insert_busy_timeout_max_ms` for it).")
    else:
        out.append(f"ClickHouse counted {queued} `AsyncInsertQuery` events in this run (INSERTs taken into its asynchronous insert queue).")
    out.append("")
    extras = [f"{name.split(':', 1)[1]} {facts[name]}" for name in sorted(facts) if name.startswith("peer_failures:")]
    logs = [f"{name.split(':', 1)[1]} {facts[name]}" for name in sorted(facts) if name.startswith("peer_log:")]
    if extras:
        out.append("- failed INSERTs (`peer.insert-failures`, answered 500): " + ", ".join(extras))
    if logs:
        out.append("- peer logs, WARN / ERROR lines (one WARN at start is Dropwizard's \"no health checks\"): " + ", ".join(logs))
    out.append("")
    return out


def render(runs, facts):
    out = []
    service, bare = summary(runs, "service"), summary(runs, "bare")
    intake_only = facts.get("mode") == "intake-only"
    mode_title = "intake only (no ClickHouse)" if intake_only else "full pipeline (service + local ClickHouse)"
    out.append(f"# Ingest benchmark, {mode_title}: {facts.get('date', '?')}")
    out.append("")
    out.append(f"**Mode: {facts.get('mode_detail', facts.get('mode', 'full'))}.**")
    out.append("")
    out.append(f"{facts.get('requests')} pre-signed status callbacks per measurement at concurrency {facts.get('concurrency')} "
               f"(wrk -t{facts.get('threads')}), {facts.get('runs')} runs per target alternating service and bare Jetty, "
               f"after {facts.get('warmup')} s of warm-up per target. Medians of the runs:")
    out.append("")
    out.append("| target | accepted/s | p50 | p99 | non-2xx | socket errors | accepted/s of each run |")
    out.append("| --- | ---: | ---: | ---: | ---: | ---: | --- |")
    for target, result in (("service", service), ("bare", bare)):
        if result is None:
            continue
        out.append(f"| {TARGET_NAMES[target]} | {result['ok_per_s']:,.0f} | {milliseconds(result['p50'])} | {milliseconds(result['p99'])} "
                   f"| {result['non2xx']} | {result['socket_errors']} | {result['each']} |")
    if service and bare and bare["ok_per_s"] > 0:
        out.append(f"| **service / bare** | **{service['ok_per_s'] / bare['ok_per_s']:.2f}** | {service['p50'] / bare['p50']:.1f}× | "
                   f"{service['p99'] / bare['p99']:.1f}× | | | |")
    if any(not run["complete"] for run in runs):
        out.append("")
        out.append("**Some measurements did not finish** (wrk's time limit came first): their rates are over the time they ran.")
    out.append("")
    out.append("accepted/s: 2xx responses per second, from the first request to the last response. p50/p99: wrk's latency "
               "histogram (closed loop: each connection sends its next request when the last is answered).")
    out.append("")
    out.append("## Each measurement")
    out.append("")
    last_column = "journal lag after" if intake_only else "ClickHouse caught up after"
    out.append(f"| run | target | accepted/s | p50 | p90 | p99 | max | non-2xx | socket errors | seconds | {last_column} |")
    out.append("| ---: | --- | ---: | ---: | ---: | ---: | ---: | --- | ---: | ---: | ---: |")
    for run in runs:
        non2xx = str(run["non2xx"]) if run["non2xx"] == 0 else f"{run['non2xx']} ({run['statuses']})"
        if run["target"] in PEER_NAMES:
            drain = delivery_text(run["drain"])
        elif run["target"] != "service":
            drain = ""
        elif intake_only:
            drain = f"{int(run['drain']):,}" if run["drain"].isdigit() else run["drain"]
        else:
            drain = f"{run['drain']} s"
        out.append(f"| {run['run']} | {run['target']} | {run['ok_per_s']:,.0f} | {milliseconds(run['p50'])} | {milliseconds(run['p90'])} | "
                   f"{milliseconds(run['p99'])} | {milliseconds(run['max'])} | {non2xx} | {run['socket_errors']} | {run['elapsed_s']:.2f} | {drain} |")
    out.append("")
    if intake_only:
        out.append("\"journal lag after\": records in the journal that ClickHouse has not confirmed, right after the measurement: "
                   "with nothing listening at the ClickHouse URL, every callback accepted so far (warm-up included). "
                   "Measurements follow each other without waiting for ClickHouse.")
    else:
        out.append("\"ClickHouse caught up after\": seconds from the end of the measurement until the journal's lag (records not yet "
                   "confirmed by ClickHouse) was 0; the next measurement starts only then (or once the lag has not gone down for 30 s: "
                   "\"no\"). After the warm-up: " + facts.get("warmup_drain", "?") + (" s." if facts.get("warmup_drain", "").replace(".", "").isdigit() else "."))
    out.append("")
    out.extend(render_peers(runs, facts, service, bare))
    out.extend(render_open_loop(facts))
    out.append("## The service after the runs")
    out.append("")
    if intake_only:
        out.append("Intake only: ClickHouse was unreachable on purpose, so nothing is inserted, the journal keeps every accepted "
                   "callback (`journal.lag` should equal `intake.accepted`), the batch writer's failed attempts and the unhealthy "
                   "`clickhouse` check are expected, and there are no ClickHouse rows to check.")
        out.append("")
    service_items = [
        ("accepted", "callbacks accepted (`intake.accepted`)"),
        ("sent_to_service", "responses wrk and OpenLoopLoad counted from the service (warm-up and measurements; up to one more request per connection is in flight when a measurement stops)"),
    ]
    if intake_only:
        service_items += [
            ("journal_lag", "records waiting for ClickHouse (`journal.lag`)"),
            ("journal_unconfirmed_bytes", "bytes waiting for ClickHouse (`journal.unconfirmed-bytes`)"),
            ("journal_max_size", "journal cap (`JOURNAL_MAX_SIZE`; 503 once reached)"),
            ("insert_failures", "failed insert attempts (`sink.insert-failures`; expected, nothing listens)"),
        ]
    else:
        service_items += [
            ("clickhouse_rows", "rows in `ledger.status_events`"),
            ("inserted_rows", "rows inserted (`sink.inserted-rows`)"),
            ("duplicates_skipped", "duplicates skipped (`sink.duplicates-skipped`)"),
            ("insert_failures", "insert failures (`sink.insert-failures`)"),
            ("journal_lag", "records waiting for ClickHouse at the end (`journal.lag`)"),
        ]
    service_items += [
        ("refused", "refused callbacks (`intake.forbidden.*`, `intake.rejected.*`, `intake.unavailable.*`)"),
        ("journal", "journal (`journal.fsyncs`, `journal.group-size`; recent samples)"),
        ("sink", "ClickHouse inserts (`sink.insert-latency`, `sink.batch-rows`; recent samples)"),
        ("cpu", "CPU time during the measurements (user + system, from /proc; the service idles while bare Jetty is measured)"),
        ("health", "`/healthcheck`" + (" (unhealthy `clickhouse` expected in this mode)" if intake_only else "")),
        ("log_warnings", "service log: WARN / ERROR lines"),
    ]
    for name, label in service_items:
        if name in facts:
            out.append(f"- {label}: {facts[name]}")
    for line in facts.get("log_lines", []):
        quoted = line.replace("`", "'")
        out.append(f"  - `{quoted}`")
    out.append("")
    out.append("## Machine and parameters")
    out.append("")
    for name, label in (
            ("date", "date"),
            ("mode", "mode"),
            ("nproc", "nproc"),
            ("cpu", "CPU"),
            ("memory", "memory"),
            ("kernel", "kernel"),
            ("java", "java -version"),
            ("wrk_version", "wrk"),
            ("commit", "service built from"),
            ("requests", "requests per measurement (`--requests`)"),
            ("concurrency", "connections (`--concurrency`)"),
            ("threads", "wrk threads (`--threads`)"),
            ("runs", "runs per target (`--runs`)"),
            ("warmup", "warm-up seconds per target (`--warmup`)"),
            ("warmup_rates", "warm-up"),
            ("peer_requests", "requests per peer measurement (`--peer-requests`)"),
            ("peer_warmup", "warm-up seconds per peer (`--peer-warmup`)"),
            ("jvm", "JVM options (service and bare Jetty)"),
            ("request_size", "request"),
            ("command", "command"),
            ("background_before", "other load just before the run"),
            ("load_after", "load average after the run"),
    ):
        if name in facts:
            out.append(f"- {label}: {facts[name]}")
    return "\n".join(out) + "\n"


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--results", required=True)
    parser.add_argument("--facts", required=True)
    parser.add_argument("--output", required=True)
    arguments = parser.parse_args()
    report = render(read_results(arguments.results), read_facts(arguments.facts))
    with open(arguments.output, "w", encoding="utf-8") as output:
        output.write(report)
    sys.stdout.write(report)


if __name__ == "__main__":
    main()
