package io.deliveryledger.sink;

import io.deliveryledger.app.ClickHouseFactory;
import io.deliveryledger.intake.ForbiddenRequests;
import io.deliveryledger.reconcile.Check;
import io.deliveryledger.reconcile.LedgerStates;
import io.deliveryledger.reconcile.ReconciliationRun;
import io.deliveryledger.reconcile.Trigger;
import io.deliveryledger.testing.StatusCallbacks;
import io.deliveryledger.testing.TestingDatabaseExtension;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Inserts sent again after a failure ClickHouse may have half carried out: each block is stored once
 * in its table, and the views the first attempt did not reach get it from the second.
 */
final class RetriedInsertsIntegrationTest
{
    private static final String ACCOUNT = "AC" + "8".repeat(32);

    @RegisterExtension
    static final TestingDatabaseExtension DATABASE = new TestingDatabaseExtension("retried");

    private static ClickHouseFactory clickhouse;
    private static Jdbi database;

    @BeforeAll
    static void start()
    {
        clickhouse = DATABASE.clickhouse();
        database = DATABASE.jdbi();
    }

    @Test
    void forbiddenRequestCountsAreSentAgainWithTheirTokenAndCountedOnce()
    {
        // A view whose table refuses the first attempt: forbidden_requests stores the block, the caller gets an error.
        database.useHandle(handle -> {
            handle.execute("CREATE TABLE forbidden_copy (minute DateTime('UTC'), requests UInt64, CONSTRAINT open CHECK requests < 0) ENGINE = MergeTree ORDER BY minute "
                    + "SETTINGS non_replicated_deduplication_window = 100");
            handle.execute("CREATE MATERIALIZED VIEW forbidden_copy_mv TO forbidden_copy AS SELECT minute, requests FROM forbidden_requests");
        });
        ForbiddenRequests forbidden = new ForbiddenRequests();
        Instant minute = Instant.now().truncatedTo(ChronoUnit.MINUTES);
        for (int request = 0; request < 3; request++) {
            forbidden.count(minute, "/twilio/status", "invalid");
        }
        ForbiddenRequestWriter writer = new ForbiddenRequestWriter(forbidden, clickhouse.buildInsertHandles(), Duration.ofHours(1));

        writer.flush();
        assertThat(sum("SELECT sum(requests) FROM forbidden_requests")).as("stored although the insert failed").isEqualTo(3);
        assertThat(sum("SELECT count() FROM forbidden_copy")).isZero();
        database.useHandle(handle -> handle.execute("ALTER TABLE forbidden_copy DROP CONSTRAINT open"));
        forbidden.count(minute, "/twilio/status", "invalid");
        writer.flush();

        assertThat(sum("SELECT sum(requests) FROM forbidden_requests")).as("the retry is not counted again").isEqualTo(3);
        assertThat(sum("SELECT sum(requests) FROM forbidden_copy")).as("the view the first attempt missed").isEqualTo(3);
        writer.flush();
        assertThat(sum("SELECT sum(requests) FROM forbidden_requests")).as("newer counts follow in their own insert").isEqualTo(4);
    }

    @Test
    void aRetriedEventInsertReachesTheViewItMissedOnce()
    {
        String sid = StatusCallbacks.messageSid();
        InsertHandles handles = clickhouse.buildInsertHandles();
        String insert = """
                INSERT INTO status_events (event_id, received_at, event_time, source, direction, account_sid, message_sid, status, status_rank, from_address, to_address)
                SELECT lower(hex(MD5(:sid))), now64(3), now64(3), 'callback', 'outbound', :account, :sid, 'sent', 3, '+15017122661', '+15558675310'""";
        database.useHandle(handle -> handle.execute("ALTER TABLE events_per_minute ADD CONSTRAINT closed CHECK account_sid != '" + ACCOUNT + "'"));

        assertThatThrownBy(() -> insertWith(handles, "events:" + sid, insert, sid)).hasStackTraceContaining("closed");
        assertThat(sum("SELECT count() FROM status_events WHERE message_sid = '" + sid + "'")).as("stored although the insert failed").isEqualTo(1);
        database.useHandle(handle -> handle.execute("ALTER TABLE events_per_minute DROP CONSTRAINT closed"));
        insertWith(handles, "events:" + sid, insert, sid);
        // And once more, as after an answer lost on the way back.
        insertWith(handles, "events:" + sid, insert, sid);

        assertThat(sum("SELECT count() FROM status_events WHERE message_sid = '" + sid + "'")).isEqualTo(1);
        assertThat(sum("SELECT sum(events) FROM events_per_minute WHERE account_sid = '" + ACCOUNT + "'")).isEqualTo(1);
        assertThat(sum("SELECT count() FROM status_event_log WHERE message_sid = '" + sid + "'")).isEqualTo(1);
    }

    @Test
    void reconciliationRecordsSentTwiceAreStoredOnce()
    {
        LedgerStates ledger = new LedgerStates(database, clickhouse.buildInsertHandles());
        Instant now = Instant.now();
        ReconciliationRun run = new ReconciliationRun("run-retried", Trigger.values()[0], now.minusSeconds(5), now, Optional.empty(), Duration.ofHours(12), 2, 1, 1, 0, 2, 0, Optional.empty());
        List<Check> checks = List.of(
                new Check(StatusCallbacks.messageSid(), ACCOUNT, now, Check.Outcome.UPDATED, "delivered", "run-retried"),
                new Check(StatusCallbacks.messageSid(), ACCOUNT, now, Check.Outcome.NOT_FOUND, "", "run-retried"));

        for (int attempt = 0; attempt < 2; attempt++) {
            ledger.recordChecks(checks);
            ledger.recordRun(run);
        }

        assertThat(sum("SELECT count() FROM reconcile_checks WHERE run_id = 'run-retried'")).isEqualTo(2);
        assertThat(sum("SELECT count() FROM reconciliation_runs WHERE run_id = 'run-retried'")).isEqualTo(1);
    }

    private static void insertWith(InsertHandles handles, String token, String sql, String sid)
    {
        try (Handle handle = handles.open(token)) {
            handle.createUpdate(sql).bind("sid", sid).bind("account", ACCOUNT).execute();
        }
    }

    private static long sum(String sql)
    {
        return database.withHandle(handle -> handle.createQuery(sql).mapTo(Long.class).one());
    }
}
