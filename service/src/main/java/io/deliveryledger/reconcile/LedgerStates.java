package io.deliveryledger.reconcile;

import io.deliveryledger.event.MessageStatus;
import io.deliveryledger.sink.InsertHandles;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.statement.PreparedBatch;

import java.nio.charset.StandardCharsets;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.UUID;

import static java.util.Objects.requireNonNull;

/** What reconciliation reads from and records in ClickHouse. */
public final class LedgerStates
{
    private static final String STATES = """
            SELECT message_sid, status, error_code, toUnixTimestamp64Milli(last_event_at) AS last_event_millis
            FROM message_status
            WHERE message_sid IN (<sids>)""";

    // Candidates by the shortest threshold; each status's own threshold is applied to them afterwards.
    // The read model's pending messages of the lookback only (ordered by first-seen minute), so a run
    // costs what the lookback's pending messages cost, not the whole history.
    private static final String STALE_CANDIDATES = """
            SELECT s.message_sid AS message_sid, s.account_sid AS account_sid,
                   toUnixTimestamp64Milli(s.last_event_at) AS last_event_millis, toUnixTimestamp64Milli(ifNull(c.last_checked_at, toDateTime64(0, 3, 'UTC'))) AS checked_millis
            FROM (
                SELECT message_sid, account_sid, status, last_event_at FROM pending_messages_current
                WHERE first_seen >= toStartOfMinute(:lookbackStart)
                  AND first_event_at >= :lookbackStart
                  AND status IN (<pending>)
                  AND direction = 'outbound'
                  AND last_event_at < :cutoff
            ) AS s
            LEFT JOIN (
                SELECT message_sid, max(checked_at) AS last_checked_at FROM reconcile_checks
                WHERE checked_at >= :lookbackStart
                GROUP BY message_sid
            ) AS c ON c.message_sid = s.message_sid
            ORDER BY s.last_event_at
            LIMIT :limit""";

    private static final String INSERT_CHECK = """
            INSERT INTO reconcile_checks (message_sid, account_sid, checked_at, outcome, status, run_id)
            VALUES (?, ?, ?, ?, ?, ?)""";

    private static final String INSERT_RUN = """
            INSERT INTO reconciliation_runs (run_id, trigger, started_at, finished_at, window_from, window_to, stale_after_seconds,
                checked, fixed, not_found, failed, api_calls, rate_limited, outcome, error)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""";

    private static final String COMPLETED_WINDOWS = """
            SELECT DISTINCT toUnixTimestamp64Milli(assumeNotNull(window_from)) AS from_millis, toUnixTimestamp64Milli(assumeNotNull(window_to)) AS to_millis
            FROM reconciliation_runs
            WHERE outcome = 'completed' AND window_from IS NOT NULL AND trigger IN (<triggers>)
              AND window_from >= :from AND window_to <= :to""";

    private final Jdbi jdbi;
    private final InsertHandles insertHandles;

    /** @param insertHandles for the inserts, each with a deduplication token, so a retried insert is stored once */
    public LedgerStates(Jdbi jdbi, InsertHandles insertHandles)
    {
        this.jdbi = requireNonNull(jdbi, "jdbi is null");
        this.insertHandles = requireNonNull(insertHandles, "insertHandles is null");
    }

    /** The ledger's current status of each of {@code messageSids} it knows. */
    public Map<String, KnownState> statesOf(Collection<String> messageSids)
    {
        Map<String, KnownState> states = new HashMap<>();
        lastEvents(messageSids).forEach((sid, state) -> states.put(sid, state.state()));
        return states;
    }

    /** The ledger's current status and last event time of each of {@code messageSids} it knows, from message_status. */
    private Map<String, LastEvent> lastEvents(Collection<String> messageSids)
    {
        if (messageSids.isEmpty()) {
            return Map.of();
        }
        return jdbi.withHandle(handle -> {
            Map<String, LastEvent> states = new HashMap<>();
            handle.createQuery(STATES)
                    .bindList("sids", List.copyOf(messageSids))
                    .map((row, context) -> new LastEvent(
                            new KnownState(row.getString("message_sid"), row.getString("status"), errorCode(row.getObject("error_code"))),
                            Instant.ofEpochMilli(row.getLong("last_event_millis"))))
                    .forEach(state -> states.put(state.state().messageSid(), state));
            return states;
        });
    }

    /**
     * Messages that are not final, stale by {@code policy} at {@code now}, and not fetched since they became
     * stale. The candidates come from the read model, which may be a few seconds behind; each is checked
     * against message_status, so a message resolved meanwhile (by discovery, say) is not fetched.
     */
    public List<StaleMessage> staleMessages(StalePolicy policy, Instant now)
    {
        Instant cutoff = now.minus(policy.shortest());
        List<String> pending = StalePolicy.pendingStatuses().stream().map(MessageStatus::wireName).toList();
        Map<String, Candidate> candidates = new LinkedHashMap<>();
        jdbi.useHandle(handle -> handle.createQuery(STALE_CANDIDATES)
                .bindList("pending", pending)
                .bind("cutoff", Timestamp.from(cutoff))
                .bind("lookbackStart", Timestamp.from(now.minus(policy.lookback())))
                .bind("limit", policy.maxMessagesPerRun())
                .map((row, context) -> new Candidate(row.getString("message_sid"), row.getString("account_sid"), Instant.ofEpochMilli(row.getLong("checked_millis"))))
                .forEach(candidate -> candidates.put(candidate.messageSid(), candidate)));
        Map<String, LastEvent> current = lastEvents(candidates.keySet());
        return candidates.values().stream()
                .filter(candidate -> current.containsKey(candidate.messageSid()))
                .filter(candidate -> {
                    LastEvent state = current.get(candidate.messageSid());
                    Instant staleSince = now.minus(MessageStatus.fromWireName(state.state().status()).map(policy::staleAfter).orElse(policy.staleAfter()));
                    return pending.contains(state.state().status()) && state.at().isBefore(staleSince) && candidate.checkedAt().isBefore(staleSince);
                })
                .map(candidate -> new StaleMessage(candidate.accountSid(), current.get(candidate.messageSid()).state()))
                .toList();
    }

    public void recordChecks(List<Check> checks)
    {
        if (checks.isEmpty()) {
            return;
        }
        List<List<Object>> rows = checks.stream()
                .map(check -> List.<Object>of(check.messageSid(), check.accountSid(), Timestamp.from(check.checkedAt()), check.outcome().columnValue(), check.status(), check.runId()))
                .toList();
        insert(INSERT_CHECK, "reconcile_checks", rows);
    }

    public void recordRun(ReconciliationRun run)
    {
        List<Object> row = Arrays.asList(
                run.runId(),
                run.trigger().columnValue(),
                Timestamp.from(run.startedAt()),
                Timestamp.from(run.finishedAt()),
                run.window().map(window -> Timestamp.from(window.from())).orElse(null),
                run.window().map(window -> Timestamp.from(window.to())).orElse(null),
                run.staleAfter().toSeconds(),
                run.checked(),
                run.fixed(),
                run.notFound(),
                run.failed(),
                run.apiCalls(),
                run.rateLimited(),
                run.completed() ? "completed" : "failed",
                run.error().orElse(""));
        insert(INSERT_RUN, "reconciliation_runs", List.of(row));
    }

    /**
     * One insert whose token is a digest of its rows: the driver's own retries and ours send the same
     * rows, so ClickHouse stores them once; other rows (a check made later carries its own time) never
     * share a token.
     */
    private void insert(String sql, String table, List<List<Object>> rows)
    {
        StringBuilder content = new StringBuilder(table);
        rows.forEach(row -> content.append('\n').append(row));
        String token = table + ":" + UUID.nameUUIDFromBytes(content.toString().getBytes(StandardCharsets.UTF_8));
        try (Handle handle = insertHandles.open(token)) {
            PreparedBatch insert = handle.prepareBatch(sql);
            rows.forEach(row -> insert.add(row.toArray()));
            insert.execute();
        }
    }

    /** Windows inside [{@code from}, {@code to}) that a completed run of one of {@code triggers} has listed. */
    public List<TimeWindow> completedWindows(Collection<Trigger> triggers, Instant from, Instant to)
    {
        return jdbi.withHandle(handle -> handle.createQuery(COMPLETED_WINDOWS)
                .bindList("triggers", triggers.stream().map(Trigger::columnValue).toList())
                .bind("from", Timestamp.from(from))
                .bind("to", Timestamp.from(to))
                .map((row, context) -> new TimeWindow(Instant.ofEpochMilli(row.getLong("from_millis")), Instant.ofEpochMilli(row.getLong("to_millis"))))
                .list());
    }

    private static OptionalInt errorCode(Object value)
    {
        return value == null ? OptionalInt.empty() : OptionalInt.of(((Number) value).intValue());
    }

    /** A message reconciliation should fetch by SID. */
    public record StaleMessage(String accountSid, KnownState state) {}

    private record Candidate(String messageSid, String accountSid, Instant checkedAt) {}

    private record LastEvent(KnownState state, Instant at) {}

    /** A message as the ledger knows it. */
    public record KnownState(String messageSid, String status, OptionalInt errorCode) {}
}
