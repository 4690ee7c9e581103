package io.deliveryledger.reconcile;

import io.deliveryledger.event.LedgerRecordCodec;
import io.deliveryledger.event.StatusEvent;
import io.deliveryledger.journal.Journal;
import io.deliveryledger.journal.JournalFullException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static java.util.Objects.requireNonNull;

/**
 * Puts what reconciliation learned into the journal, the same path callbacks take. Unlike a webhook,
 * nobody waits on the other end, so a full journal means waiting for the batch writer, not failing.
 */
final class JournalWriter
{
    private static final Logger log = LoggerFactory.getLogger(JournalWriter.class);
    private static final Duration FULL_JOURNAL_PAUSE = Duration.ofSeconds(1);

    private final Journal journal;
    private final LedgerRecordCodec codec;
    private long lastPosition = -1;

    JournalWriter(Journal journal, LedgerRecordCodec codec)
    {
        this.journal = requireNonNull(journal, "journal is null");
        this.codec = requireNonNull(codec, "codec is null");
    }

    /** Appends {@code events} and returns once all of them are on disk. */
    synchronized void write(List<StatusEvent> events)
            throws InterruptedException
    {
        List<CompletableFuture<Long>> appends = new ArrayList<>(events.size());
        for (StatusEvent event : events) {
            appends.add(append(codec.encode(event)));
        }
        for (CompletableFuture<Long> append : appends) {
            try {
                lastPosition = Math.max(lastPosition, append.get());
            }
            catch (ExecutionException e) {
                throw new IllegalStateException("Journal write failed", e.getCause());
            }
        }
    }

    /** Waits until ClickHouse has everything written so far; false if {@code timeout} passed first. */
    boolean awaitStored(Duration timeout)
            throws InterruptedException
    {
        long position;
        synchronized (this) {
            position = lastPosition;
        }
        return position < 0 || journal.awaitAcknowledged(position, timeout);
    }

    private CompletableFuture<Long> append(byte[] payload)
            throws InterruptedException
    {
        while (true) {
            try {
                return journal.append(payload);
            }
            catch (JournalFullException e) {
                log.warn("Journal is full ({}); reconciliation waits for the batch writer", e.getMessage());
                TimeUnit.MILLISECONDS.sleep(FULL_JOURNAL_PAUSE.toMillis());
            }
        }
    }
}
