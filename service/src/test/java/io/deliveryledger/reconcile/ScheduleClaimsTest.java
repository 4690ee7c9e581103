package io.deliveryledger.reconcile;

import io.deliveryledger.testing.TestingDatabaseExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import static org.assertj.core.api.Assertions.assertThat;

final class ScheduleClaimsTest
{
    private static final Duration INTERVAL = Duration.ofHours(1);

    @RegisterExtension
    static final TestingDatabaseExtension DATABASE = new TestingDatabaseExtension("claims");

    @Test
    void instancesRacingForTheSameSlotHaveExactlyOneWinner()
            throws Exception
    {
        ScheduleClaims first = claims("first");
        ScheduleClaims second = claims("second");
        LedgerStates ledger = new LedgerStates(DATABASE.jdbi(), DATABASE.clickhouse().buildInsertHandles());
        ExecutorService racers = Executors.newFixedThreadPool(2);
        try {
            // Slots of days to come: claims expire after 30 days, and no other test uses these.
            Instant base = Instant.now().truncatedTo(ChronoUnit.DAYS).plus(Duration.ofDays(10));
            for (int slot = 0; slot < 20; slot++) {
                Instant now = base.plus(INTERVAL.multipliedBy(slot)).plusSeconds(5);
                CyclicBarrier start = new CyclicBarrier(2);
                CompletableFuture<Boolean> firstWon = CompletableFuture.supplyAsync(() -> await(start) && first.claim(now, INTERVAL, INTERVAL.multipliedBy(3)), racers);
                CompletableFuture<Boolean> secondWon = CompletableFuture.supplyAsync(() -> await(start) && second.claim(now, INTERVAL, INTERVAL.multipliedBy(3)), racers);

                assertThat(List.of(firstWon.get(), secondWon.get())).as("slot " + slot).containsExactlyInAnyOrder(true, false);
                // The winner's run ends within its slot, so the next slot may be claimed.
                ledger.recordRun(run("run-" + slot, now.plusSeconds(1)));
            }
        }
        finally {
            racers.shutdownNow();
        }
    }

    @Test
    void noSlotIsClaimedWhileThePreviousRunIsUnfinishedUnlessItWasAbandoned()
    {
        ScheduleClaims first = claims("first");
        ScheduleClaims second = claims("second");
        Instant now = Instant.now().truncatedTo(ChronoUnit.DAYS).plus(Duration.ofDays(5)).plusSeconds(5);

        assertThat(first.claim(now, INTERVAL, INTERVAL.multipliedBy(3))).isTrue();
        // The first instance's run goes on past its hour: nobody starts another.
        assertThat(second.claim(now.plus(INTERVAL), INTERVAL, INTERVAL.multipliedBy(3))).isFalse();
        assertThat(first.claim(now.plus(INTERVAL), INTERVAL, INTERVAL.multipliedBy(3))).isFalse();
        // Claimed more than three intervals ago and still not recorded: its instance died.
        assertThat(second.claim(now.plus(INTERVAL.multipliedBy(2)), INTERVAL, Duration.ofMinutes(30))).isTrue();
    }

    private static ScheduleClaims claims(String instance)
    {
        return new ScheduleClaims(DATABASE.clickhouse().buildMigrator(), DATABASE.jdbi(), DATABASE.clickhouse().buildInsertHandles(), instance);
    }

    private static ReconciliationRun run(String runId, Instant startedAt)
    {
        return new ReconciliationRun(runId, Trigger.SCHEDULE, startedAt, startedAt.plusSeconds(10), Optional.empty(), Duration.ofHours(12), 0, 0, 0, 0, 0, 0, Optional.empty());
    }

    private static boolean await(CyclicBarrier barrier)
    {
        try {
            barrier.await();
            return true;
        }
        catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
