package io.deliveryledger.sink;

import com.clickhouse.client.api.Client;
import com.codahale.metrics.Histogram;
import com.codahale.metrics.Meter;
import com.codahale.metrics.MetricRegistry;
import com.codahale.metrics.Timer;
import com.google.i18n.phonenumbers.PhoneNumberUtil;
import io.deliveryledger.analytics.AddressClassifier;
import io.deliveryledger.event.LedgerRecord;
import io.deliveryledger.event.LedgerRecordCodec;
import io.deliveryledger.event.RejectedRequest;
import io.deliveryledger.event.StatusEvent;
import io.deliveryledger.journal.Journal;
import io.deliveryledger.journal.JournalReader;
import io.deliveryledger.journal.JournalRecord;
import io.deliveryledger.schema.SchemaMigrator;
import io.deliveryledger.sink.Batch.Positioned;
import io.deliveryledger.sink.ClickHouseInserter.Outcome;
import io.deliveryledger.sink.ClickHouseInserter.Refusal;
import io.github.resilience4j.core.IntervalFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import static java.util.Objects.requireNonNull;

/**
 * The second stage of the data path: reads the journal, gathers batches bounded by rows, bytes and
 * age, inserts them into ClickHouse and acknowledges them in the journal once ClickHouse confirmed.
 * An insert that failed for any reason but its data is retried with exponential backoff for as long
 * as it takes: the journal holds the records meanwhile, so nothing is dropped; while ClickHouse is
 * down the journal grows up to its cap. Records ClickHouse refuses for their data are set aside in
 * {@code rejected_requests} (see {@link ClickHouseInserter}), so one bad record never stops the journal.
 */
public final class BatchWriter
{
    private static final Logger log = LoggerFactory.getLogger(BatchWriter.class);

    private final Journal journal;
    private final LedgerRecordCodec codec;
    private final SchemaMigrator migrator;
    private final ClickHouseInserter inserter;
    private final BatchPolicy policy;
    private final IntervalFunction backoff;
    private final Clock clock;
    private final InFlightBatchFile inFlight;
    private final UUID origin;

    private final Histogram batchRows;
    private final Timer insertLatency;
    private final Timer receiptToStored;
    private final Meter insertedRows;
    private final Meter duplicatesSkipped;
    private final Meter insertFailures;
    private final Meter refusedRecords;
    private final Meter unstorableRecords;

    private final CountDownLatch stopped = new CountDownLatch(1);
    private volatile boolean running;
    private volatile Thread thread;
    private volatile Optional<Instant> lastInsertAt = Optional.empty();
    private volatile Optional<String> lastFailure = Optional.empty();
    private volatile int consecutiveFailures;
    /** When the last batch stopped gathering ({@link System#nanoTime()}): the next one goes {@code maxAge} later. */
    private long lastBatchAt;

    /**
     * @param host names this machine in the deduplication tokens beside the journal's id: a journal
     *        copied to another host (a cloned volume) then sends other tokens, and neither copy's
     *        batches are dropped as the other's duplicates
     */
    public BatchWriter(Journal journal, LedgerRecordCodec codec, SchemaMigrator migrator, InsertHandles insertHandles, Client client, BatchPolicy policy, String host, Clock clock, MetricRegistry metrics)
    {
        this.journal = requireNonNull(journal, "journal is null");
        this.codec = requireNonNull(codec, "codec is null");
        this.migrator = requireNonNull(migrator, "migrator is null");
        this.inserter = new ClickHouseInserter(insertHandles, client, policy.duplicateWindow(), policy.requestTimeout(), clock, new AddressClassifier(PhoneNumberUtil.getInstance()), codec);
        this.policy = requireNonNull(policy, "policy is null");
        this.backoff = IntervalFunction.ofExponentialRandomBackoff(policy.initialBackoff(), 2.0, 0.5, policy.maxBackoff());
        this.clock = requireNonNull(clock, "clock is null");
        this.inFlight = new InFlightBatchFile(journal.directory());
        this.origin = origin(journal.id(), requireNonNull(host, "host is null"));
        // The first batch goes as soon as there is something to send.
        this.lastBatchAt = System.nanoTime() - policy.maxAge().toNanos();
        this.batchRows = metrics.histogram("sink.batch-rows");
        this.insertLatency = metrics.timer("sink.insert-latency");
        this.receiptToStored = metrics.timer("sink.receipt-to-stored");
        this.insertedRows = metrics.meter("sink.inserted-rows");
        this.duplicatesSkipped = metrics.meter("sink.duplicates-skipped");
        this.insertFailures = metrics.meter("sink.insert-failures");
        this.refusedRecords = metrics.meter("sink.refused-records");
        this.unstorableRecords = metrics.meter("sink.unstorable-records");
    }

    public synchronized void start()
    {
        if (thread != null) {
            return;
        }
        running = true;
        thread = new Thread(this::run, "clickhouse-batch-writer");
        thread.start();
    }

    /** Stops after the batch in flight; unacknowledged records stay in the journal for the next start. Idempotent. */
    public synchronized void stop()
            throws InterruptedException
    {
        if (thread == null) {
            return;
        }
        running = false;
        thread.interrupt();
        if (!stopped.await(30, TimeUnit.SECONDS)) {
            log.warn("Batch writer did not stop within 30 s");
        }
    }

    public Optional<Instant> lastInsertAt()
    {
        return lastInsertAt;
    }

    /** The last insert error while inserts keep failing; empty once one succeeds. */
    public Optional<String> failure()
    {
        return consecutiveFailures == 0 ? Optional.empty() : lastFailure;
    }

    private void run()
    {
        try (JournalReader reader = journal.openReader()) {
            retryUntilDone("apply schema migrations", () -> {
                migrator.migrate();
                return null;
            });
            Optional<Batch> replayed = replayedBatch(reader);
            while (running) {
                Optional<Batch> batch = replayed.isPresent() ? replayed : nextBatch(reader);
                replayed = Optional.empty();
                if (batch.isEmpty()) {
                    continue;
                }
                inFlight.write(journal.id(), batch.get().last().position());
                Outcome outcome = retryUntilDone("insert journal positions " + batch.get().firstPosition() + "-" + batch.get().last().position(), () -> {
                    try (Timer.Context ignored = insertLatency.time()) {
                        return inserter.insert(batch.get());
                    }
                });
                if (outcome == null) {
                    return;
                }
                reportRefusals(outcome);
                timeFromReceipt(batch.get());
                journal.acknowledge(batch.get().last());
                batchRows.update(batch.get().size());
                insertedRows.mark(batch.get().size() - outcome.skipped() - outcome.refused());
                duplicatesSkipped.mark(outcome.skipped());
                refusedRecords.mark(outcome.refused());
                lastInsertAt = Optional.of(clock.instant());
            }
        }
        catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        catch (IOException | RuntimeException e) {
            // The journal itself failed: nothing more can be read safely. The health check reports it.
            lastFailure = Optional.of("Batch writer stopped: " + e);
            consecutiveFailures = Integer.MAX_VALUE;
            log.error("Batch writer stopped: journal unreadable", e);
        }
        finally {
            stopped.countDown();
        }
    }

    /**
     * How long each event took from its receipt (before its fsync and acknowledgement) to ClickHouse
     * confirming its insert: how far the API's message lookups are behind Twilio, measured on every
     * event rather than by polling the API, whose queries would add to ClickHouse's load.
     */
    private void timeFromReceipt(Batch batch)
    {
        Instant stored = clock.instant();
        for (Positioned<StatusEvent> event : batch.events()) {
            receiptToStored.update(Duration.between(event.record().receivedAt(), stored));
        }
    }

    /**
     * A refused record that {@code rejected_requests} refused too cannot be kept in ClickHouse; the log
     * keeps it whole rather than let it hold up the journal forever.
     */
    private void reportRefusals(Outcome outcome)
    {
        if (outcome.refused() > 0) {
            log.warn("ClickHouse refused {} records for their data; they are in rejected_requests with reason '{}'", outcome.refused() - outcome.unstorable().size(), ClickHouseInserter.REFUSED_REASON);
        }
        for (Refusal refusal : outcome.unstorable()) {
            unstorableRecords.mark();
            log.error("ClickHouse refused journal record {} and its rejected_requests row ({}); the record: {}", refusal.position(), refusal.message(),
                    codec.json(refusal.record()));
        }
    }

    /**
     * The batch that was being inserted when the writer last stopped, formed again from the same
     * positions, so that its inserts carry the same deduplication tokens; empty when it was acknowledged.
     */
    private Optional<Batch> replayedBatch(JournalReader reader)
            throws IOException, InterruptedException
    {
        Optional<Long> lastPosition = inFlight.lastPosition(journal.id());
        if (lastPosition.isEmpty() || lastPosition.get() < reader.nextPosition()) {
            return Optional.empty();
        }
        List<JournalRecord> records = new ArrayList<>();
        while (running && reader.nextPosition() <= lastPosition.get()) {
            records.addAll(reader.read((int) Math.min(Integer.MAX_VALUE, lastPosition.get() - reader.nextPosition() + 1), Long.MAX_VALUE, Duration.ofSeconds(1)));
        }
        if (records.isEmpty()) {
            return Optional.empty();
        }
        log.info("Inserting journal positions {}-{} again as the batch they were before the restart", records.get(0).position(), lastPosition.get());
        return Optional.of(decode(records));
    }

    /**
     * The records that arrived since the last batch went, once {@code maxAge} has passed since then (or
     * a limit of rows or bytes is reached): at most one insert per {@code maxAge}, as ClickHouse asks,
     * and no record waits longer than that for its batch. Records that waited during the last insert
     * go as soon as they are read, when that insert took longer; the age is not counted from the read.
     */
    private Optional<Batch> nextBatch(JournalReader reader)
            throws IOException, InterruptedException
    {
        List<JournalRecord> records = new ArrayList<>();
        long bytes = 0;
        long deadline = lastBatchAt + policy.maxAge().toNanos();
        while (running && records.size() < policy.maxRows() && bytes < policy.maxBytes()) {
            Duration wait = records.isEmpty()
                    ? Duration.ofMillis(200)
                    : Duration.ofNanos(deadline - System.nanoTime());
            if (!records.isEmpty() && (wait.isNegative() || wait.isZero())) {
                break;
            }
            List<JournalRecord> read = reader.read(policy.maxRows() - records.size(), policy.maxBytes() - bytes, wait);
            if (read.isEmpty()) {
                if (records.isEmpty()) {
                    return Optional.empty();
                }
                continue;
            }
            records.addAll(read);
            bytes += read.stream().mapToLong(record -> record.payload().length).sum();
        }
        if (records.isEmpty()) {
            return Optional.empty();
        }
        lastBatchAt = System.nanoTime();
        return Optional.of(decode(records));
    }

    private Batch decode(List<JournalRecord> records)
    {
        List<Positioned<StatusEvent>> events = new ArrayList<>();
        List<Positioned<RejectedRequest>> rejected = new ArrayList<>();
        for (JournalRecord record : records) {
            LedgerRecord decoded = decodeOrQuarantine(record);
            if (decoded instanceof StatusEvent event) {
                events.add(new Positioned<>(record.position(), event));
            }
            else {
                rejected.add(new Positioned<>(record.position(), (RejectedRequest) decoded));
            }
        }
        return new Batch(origin, records.get(0).position(), records.get(records.size() - 1).mark(), events, rejected);
    }

    /**
     * A record that passed its checksum but can't be decoded (written by an incompatible version) is
     * stored as a rejected request with its raw text rather than dropped.
     */
    private LedgerRecord decodeOrQuarantine(JournalRecord record)
    {
        try {
            return codec.decode(record.payload());
        }
        catch (IOException | RuntimeException e) {
            log.error("Journal record {} cannot be decoded; storing it in rejected_requests", record.position(), e);
            return new RejectedRequest(clock.instant(), "journal", "undecodable_journal_record", e.getMessage() == null ? e.toString() : e.getMessage(),
                    "", "", "", Map.of("payload", LedgerRecordCodec.printable(record.payload())));
        }
    }

    /** Runs {@code action} until it succeeds; null when the writer was stopped first. */
    private <T> T retryUntilDone(String what, Supplier<T> action)
            throws InterruptedException
    {
        for (int attempt = 1; running; attempt++) {
            try {
                T result = action.get();
                if (consecutiveFailures > 0) {
                    log.info("ClickHouse recovered: {} succeeded after {} failed attempts", what, consecutiveFailures);
                }
                consecutiveFailures = 0;
                return result;
            }
            catch (RuntimeException e) {
                consecutiveFailures = attempt;
                lastFailure = Optional.of(what + " failed: " + rootMessage(e));
                insertFailures.mark();
                long delay = backoff.apply(Math.min(attempt, 30));
                // Log the first failures in full, then quietly: an outage can last hours.
                if (attempt <= 3 || attempt % 20 == 0) {
                    log.warn("{} failed (attempt {}), retrying in {} ms: {}", what, attempt, delay, rootMessage(e));
                }
                Thread.sleep(delay);
            }
        }
        return null;
    }

    /** What the deduplication tokens of the batches of {@code journalId} on {@code host} start with. */
    static UUID origin(UUID journalId, String host)
    {
        return UUID.nameUUIDFromBytes((journalId + "@" + host).getBytes(StandardCharsets.UTF_8));
    }

    private static String rootMessage(Throwable failure)
    {
        Throwable root = InsertFailure.rootCause(failure);
        return root.getClass().getSimpleName() + ": " + root.getMessage();
    }
}
