# The open-loop phase of bench/run (sourced by it, after the closed-loop measurements; see bench/README.md,
# "Open-loop latency and freshness"). It uses bench/run's variables and functions: work_dir, bench_dir,
# service_url, bare_url, auth_token, account_sid, api_token, open_loop_seconds, open_loop_warmup,
# log, fail, sign, wait_for_clickhouse, sent_to_service.
#
# With OpenLoopLoad (bench/src/main/java/io/deliveryledger/bench/OpenLoopLoad.java), a constant-rate load
# generator that times each callback from its intended send time:
#   1. the service at half the median closed-loop rate of this run: acknowledgement latency;
#   2. bare Jetty at the same rate, the same requests: the baseline of machine and generator;
#   3. the service at 5,000 callbacks/s, with freshness: 1 in $open_loop_sample_every acknowledged
#      callbacks is looked up with GET /api/v1/messages/{sid} every $open_loop_poll_ms ms until visible
#      (every 1/40 of its age once that is longer: a service that falls behind gets fewer polls).
# Each OPEN_LOOP_RESULT line goes to $open_loop_facts as "open_loop TAB label TAB drain TAB line", for
# bench/report.py.

open_loop_freshness_rate=5000
# 1 in 1,000 at 5,000/s: 5 samples a second, 150 in 30 s (the p99 is the 2nd largest). Each is polled
# until visible, ~1-2 s, every 200 ms: some 40 API requests (80 queries) a second. The local engine runs
# one statement at a time: 1 in 250 polled every 50 ms (600 requests a second) queued every poll past
# its 10 s timeout on 2026-12-01, so not one sample was seen.
open_loop_sample_every=1000
open_loop_poll_ms=200
# A sample not visible this long after its acknowledgement counts as never visible (there should be none).
open_loop_visible_within=60
# Its own heap, sized once, so that the generator's collections stay short and rare; a pause of the
# generator delays the callbacks behind it and counts as their latency (its send lag is reported).
open_loop_jvm_options=(-Duser.timezone=UTC -XX:+UseParallelGC -Xms2g -Xmx2g)
open_loop_facts="$work_dir/open-loop-facts.tsv"

# Half the median accepted/s of the service's closed-loop runs (results.tsv), rounded down to 100/s.
open_loop_half_rate() {
    python3 - "$work_dir/results.tsv" <<'EOF'
import statistics, sys
rates = []
for line in open(sys.argv[1], encoding="utf-8"):
    run, target, drain, result = line.rstrip("\n").split("\t", 3)
    if target == "service":
        fields = dict(part.partition("=")[::2] for part in result.split()[1:])
        rates.append(float(fields["ok_per_s"]))
print(max(100, int(statistics.median(rates) / 2 / 100) * 100))
EOF
}

# Runs OpenLoopLoad: LABEL URL FILE RATE [more options]; prints its OPEN_LOOP_RESULT line.
open_loop_generate() {
    local label="$1" url="$2" file="$3" rate="$4"
    shift 4
    log "open loop: $label, $rate callbacks/s for ${open_loop_seconds}s (after ${open_loop_warmup}s unrecorded)"
    java "${open_loop_jvm_options[@]}" -cp "$work_dir/open-loop.jar" io.deliveryledger.bench.OpenLoopLoad \
        --url "$url" --requests "$file" --rate "$rate" --duration "$open_loop_seconds" --warmup "$open_loop_warmup" \
        --label "$label" --histogram-output "$work_dir/open-loop-$label.hgrm" "$@" \
        >"$work_dir/open-loop-$label.txt" 2>"$work_dir/open-loop-$label.log" \
        || { cat "$work_dir/open-loop-$label.log" >&2; fail "OpenLoopLoad failed ($label)"; }
    grep '^OPEN_LOOP_RESULT ' "$work_dir/open-loop-$label.txt" \
        || { cat "$work_dir/open-loop-$label.log" >&2; fail "no OPEN_LOOP_RESULT line from OpenLoopLoad ($label)"; }
}

# Every answer the service gave (warm-up and measured, any status): what /metrics and ClickHouse must account for.
open_loop_answered() {
    tr ' ' '\n' <<<"$1" | awk -F= '$1 == "statuses" || $1 == "warmup_statuses" { print $2 }' | tr ',' '\n' \
        | awk -F: '$1 != "failed" && $1 != "none" { total += $2 } END { print total + 0 }'
}

# Records one result for the report: LABEL DRAIN LINE.
open_loop_record() {
    printf 'open_loop\t%s\t%s\t%s\n' "$1" "$2" "$3" >>"$open_loop_facts"
    log "open loop: $1: $(tr ' ' '\n' <<<"$3" | grep -E '^(sent_per_s|p50_ms|p99_ms|p99.9_ms|max_ms|non2xx|errors|waited_for_connection|send_lag_max_ms|fresh_p50_ms|fresh_p99_ms|fresh_max_ms|fresh_not_visible|fresh_polls)=' | tr '\n' ' ')${2:+ClickHouse caught up after ${2}s}"
}

open_loop_phase() {
    cp "$bench_dir/target/bare-jetty.jar" "$work_dir/open-loop.jar"
    python3 -m zipfile -t "$work_dir/open-loop.jar" >/dev/null 2>&1 \
        || fail "bench/target/bare-jetty.jar is not a complete jar (is another build writing it?); try again"
    local half_rate result drain
    half_rate="$(open_loop_half_rate)"
    log "open loop: half the median closed-loop rate is $half_rate callbacks/s; signing the requests"
    # Unique callbacks for every scheduled one (warm-up included), so no duplicate shortens the work.
    sign "$((half_rate * (open_loop_warmup + open_loop_seconds)))" "$work_dir/open-loop-half.tsv"
    [[ "$intake_only" == true ]] || sign "$((open_loop_freshness_rate * (open_loop_warmup + open_loop_seconds)))" "$work_dir/open-loop-freshness.tsv"
    : >"$open_loop_facts"
    printf 'open_loop_settings\t%s\n' "half rate $half_rate/s (the closed-loop median halved, rounded down to 100/s); freshness at $open_loop_freshness_rate/s, 1 in $open_loop_sample_every acknowledged callbacks polled every $open_loop_poll_ms ms (every 1/40 of its age once longer), never visible after $open_loop_visible_within s; ${open_loop_seconds} s recorded after ${open_loop_warmup} s unrecorded, climbing to the rate in three steps; generator JVM ${open_loop_jvm_options[*]}" >>"$open_loop_facts"

    result="$(open_loop_generate service-half "$service_url" "$work_dir/open-loop-half.tsv" "$half_rate")"
    sent_to_service=$((sent_to_service + $(open_loop_answered "$result")))
    # With --intake-only nothing reaches ClickHouse: the half-rate latency is the intake's own.
    drain=""
    [[ "$intake_only" == true ]] || drain="$(wait_for_clickhouse)"
    open_loop_record service-half "$drain" "$result"

    # The same requests: bare Jetty ignores the signature (signed for the service's port) and the SIDs.
    result="$(open_loop_generate bare-half "$bare_url" "$work_dir/open-loop-half.tsv" "$half_rate")"
    open_loop_record bare-half "" "$result"

    [[ "$intake_only" == false ]] || return 0
    result="$(open_loop_generate service-freshness "$service_url" "$work_dir/open-loop-freshness.tsv" "$open_loop_freshness_rate" \
        --api-url "${service_url%/twilio/status}/api/v1/messages/" --api-token "$api_token" \
        --sample-every "$open_loop_sample_every" --poll-interval-ms "$open_loop_poll_ms" --visible-within "$open_loop_visible_within")"
    sent_to_service=$((sent_to_service + $(open_loop_answered "$result")))
    drain="$(wait_for_clickhouse)"
    open_loop_record service-freshness "$drain" "$result"
    # The service's own measure of the same, for every event and without polling: receipt to ClickHouse's
    # confirmation of its insert. Dropwizard's recent samples: mostly this measurement's events.
    metrics | python3 -c '
import json, sys
timer = json.load(sys.stdin)["timers"]["sink.receipt-to-stored"]
print("open_loop_receipt_to_stored\t" + "\t".join(f"{timer[key] * 1000:.0f}" for key in ("p50", "p99", "max")))
' >>"$open_loop_facts" || fail "cannot read sink.receipt-to-stored from /metrics"
}
