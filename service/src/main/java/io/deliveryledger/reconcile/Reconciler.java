package io.deliveryledger.reconcile;

import com.twilio.rest.api.v2010.account.Message;
import io.deliveryledger.event.LedgerRecordCodec;
import io.deliveryledger.event.MessageStatus;
import io.deliveryledger.event.Source;
import io.deliveryledger.event.StatusEvent;
import io.deliveryledger.journal.Journal;
import io.deliveryledger.reconcile.LedgerStates.KnownState;
import io.deliveryledger.reconcile.LedgerStates.StaleMessage;
import io.deliveryledger.schema.SchemaMigrator;
import io.deliveryledger.twilio.MessageResourceConverter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.IntConsumer;

import static java.util.Objects.requireNonNull;

/**
 * Makes the ledger complete when callbacks are lost, as Twilio advises: lists the messages of a
 * window to find those never heard of (discovery), and fetches by SID every message that stayed
 * pending too long (stale). What Twilio says goes through the journal like a callback, as a
 * {@code reconcile} (or {@code backfill}) event, and only where the ledger knows less. One run at a time.
 */
public final class Reconciler
{
    private static final Logger log = LoggerFactory.getLogger(Reconciler.class);
    private static final int CHECKS_PER_INSERT = 10_000;

    private final TwilioApi api;
    private final SchemaMigrator migrator;
    private final LedgerStates ledger;
    private final JournalWriter writer;
    private final MessageResourceConverter converter;
    private final StalePolicy stalePolicy;
    private final int concurrency;
    private final Duration storeTimeout;
    private final Clock clock;

    public Reconciler(TwilioApi api, SchemaMigrator migrator, LedgerStates ledger, Journal journal, LedgerRecordCodec codec, MessageResourceConverter converter, StalePolicy stalePolicy, int concurrency, Duration storeTimeout, Clock clock)
    {
        this.api = requireNonNull(api, "api is null");
        this.migrator = requireNonNull(migrator, "migrator is null");
        this.ledger = requireNonNull(ledger, "ledger is null");
        this.writer = new JournalWriter(journal, codec);
        this.converter = requireNonNull(converter, "converter is null");
        this.stalePolicy = requireNonNull(stalePolicy, "stalePolicy is null");
        this.concurrency = concurrency;
        this.storeTimeout = requireNonNull(storeTimeout, "storeTimeout is null");
        this.clock = requireNonNull(clock, "clock is null");
    }

    public ReconciliationRun run(ReconcileRequest request)
    {
        return run(request, messages -> {});
    }

    /**
     * Runs discovery of the request's window (if any), then, unless it is a backfill, the stale fetch.
     * Never throws: a failure ends the run, which is recorded with its error.
     *
     * @param progress told how many messages each listed page held
     */
    public synchronized ReconciliationRun run(ReconcileRequest request, IntConsumer progress)
    {
        String runId = UUID.randomUUID().toString();
        Instant startedAt = clock.instant();
        long callsBefore = api.calls();
        long rateLimitedBefore = api.rateLimited();
        StalePolicy policy = request.staleAfter().map(stalePolicy::withStaleAfter).orElse(stalePolicy);
        Counters counters = new Counters(runId);
        Optional<String> error = Optional.empty();
        try {
            // A run right after start-up may come before the batch writer has created the tables;
            // the migrator is shared with it, so once the schema is current this asks nothing.
            migrator.migrate();
            Source source = request.trigger() == Trigger.BACKFILL ? Source.BACKFILL : Source.RECONCILE;
            if (request.discoveryWindow().isPresent()) {
                discover(request.discoveryWindow().get(), source, counters, progress);
                // The stale query must see what discovery just fixed, or it would fetch those again.
                awaitStored();
            }
            if (request.trigger() != Trigger.BACKFILL) {
                fetchStale(policy, runId, counters);
                awaitStored();
            }
        }
        catch (TwilioApiException e) {
            error = Optional.of(e.getMessage());
        }
        catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            error = Optional.of("Interrupted");
        }
        catch (RuntimeException e) {
            log.error("Reconciliation run {} failed", runId, e);
            error = Optional.of(e.toString());
        }
        ReconciliationRun run = new ReconciliationRun(
                runId,
                request.trigger(),
                startedAt,
                clock.instant(),
                request.discoveryWindow(),
                policy.staleAfter(),
                counters.checked.sum(),
                counters.fixed.sum(),
                counters.notFound.sum(),
                counters.failed.sum(),
                api.calls() - callsBefore,
                api.rateLimited() - rateLimitedBefore,
                error);
        try {
            ledger.recordRun(run);
        }
        catch (RuntimeException e) {
            log.error("Could not record reconciliation run {} in ClickHouse", runId, e);
        }
        if (run.completed()) {
            log.info(run.summary());
        }
        else {
            log.error(run.summary());
        }
        return run;
    }

    private void discover(TimeWindow window, Source source, Counters counters, IntConsumer progress)
            throws InterruptedException
    {
        for (String accountSid : api.accounts()) {
            try {
                api.list(accountSid, window.from(), window.to(), page -> {
                    reconcilePage(page, source, counters);
                    progress.accept(page.size());
                    counters.progress("listing " + accountSid);
                });
            }
            catch (InterruptedWrapper e) {
                throw e.cause;
            }
        }
    }

    private void reconcilePage(List<Message> page, Source source, Counters counters)
    {
        Instant receivedAt = clock.instant();
        Map<String, KnownState> known = ledger.statesOf(page.stream().map(Message::getSid).toList());
        List<StatusEvent> fixes = new ArrayList<>();
        for (Message message : page) {
            counters.checked.increment();
            Optional<StatusEvent> event = toEvent(message, source, receivedAt);
            if (event.isPresent() && isNews(known.get(message.getSid()), event.get())) {
                fixes.add(event.get());
            }
        }
        try {
            writer.write(fixes);
        }
        catch (InterruptedException e) {
            throw new InterruptedWrapper(e);
        }
        counters.fixed.add(fixes.size());
    }

    private void fetchStale(StalePolicy policy, String runId, Counters counters)
            throws InterruptedException
    {
        List<StaleMessage> stale = ledger.staleMessages(policy, clock.instant());
        if (stale.isEmpty()) {
            return;
        }
        log.info("Reconciliation run {}: fetching {} stale message(s)", runId, stale.size());
        AtomicInteger threadNumber = new AtomicInteger();
        ExecutorService fetchers = Executors.newFixedThreadPool(Math.min(concurrency, stale.size()), runnable -> {
            Thread thread = new Thread(runnable, "reconcile-fetch-" + threadNumber.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        });
        try {
            List<Future<FetchResult>> results = new ArrayList<>(stale.size());
            for (StaleMessage message : stale) {
                results.add(fetchers.submit(() -> fetch(message, runId)));
            }
            List<StatusEvent> fixes = new ArrayList<>();
            List<Check> checks = new ArrayList<>();
            for (Future<FetchResult> result : results) {
                FetchResult fetched = get(result);
                counters.progress("fetching " + stale.size() + " stale messages");
                if (fetched.failure().isPresent()) {
                    counters.failed.increment();
                    continue;
                }
                counters.checked.increment();
                Check check = fetched.check().orElseThrow();
                checks.add(check);
                switch (check.outcome()) {
                    case UPDATED -> {
                        fixes.add(fetched.event().orElseThrow());
                        counters.fixed.increment();
                    }
                    case NOT_FOUND -> counters.notFound.increment();
                    case UNCHANGED -> {}
                }
                if (checks.size() >= CHECKS_PER_INSERT) {
                    store(fixes, checks);
                }
            }
            store(fixes, checks);
            if (counters.failed.sum() > 0) {
                log.warn("Reconciliation run {}: {} fetch(es) failed; those messages stay stale for the next run", runId, counters.failed.sum());
            }
        }
        finally {
            fetchers.shutdownNow();
        }
    }

    private FetchResult fetch(StaleMessage stale, String runId)
    {
        KnownState state = stale.state();
        Instant checkedAt = clock.instant();
        Optional<Message> message;
        try {
            message = api.fetch(stale.accountSid(), state.messageSid());
        }
        catch (TwilioApiException e) {
            if (e.isAuthentication()) {
                throw e;
            }
            log.warn("Fetching {} failed: {}", state.messageSid(), e.getMessage());
            return new FetchResult(Optional.empty(), Optional.empty(), Optional.of(e.getMessage()));
        }
        if (message.isEmpty()) {
            return new FetchResult(Optional.of(new Check(state.messageSid(), stale.accountSid(), checkedAt, Check.Outcome.NOT_FOUND, state.status(), runId)), Optional.empty(), Optional.empty());
        }
        Optional<StatusEvent> event = toEvent(message.get(), Source.RECONCILE, checkedAt);
        if (event.isEmpty()) {
            return new FetchResult(Optional.empty(), Optional.empty(), Optional.of("invalid message resource"));
        }
        boolean news = isNews(state, event.get());
        Check check = new Check(state.messageSid(), stale.accountSid(), checkedAt, news ? Check.Outcome.UPDATED : Check.Outcome.UNCHANGED, event.get().status().wireName(), runId);
        return new FetchResult(Optional.of(check), news ? event : Optional.empty(), Optional.empty());
    }

    private void store(List<StatusEvent> fixes, List<Check> checks)
            throws InterruptedException
    {
        writer.write(fixes);
        ledger.recordChecks(checks);
        fixes.clear();
        checks.clear();
    }

    private void awaitStored()
            throws InterruptedException
    {
        if (!writer.awaitStored(storeTimeout)) {
            // Durable in the journal all the same; the batch writer stores them once ClickHouse answers.
            log.warn("Reconciliation events not yet confirmed by ClickHouse after {}", storeTimeout);
        }
    }

    private Optional<StatusEvent> toEvent(Message message, Source source, Instant receivedAt)
    {
        try {
            return Optional.of(converter.toEvent(message, source, receivedAt));
        }
        catch (IllegalArgumentException e) {
            log.warn("Skipping a message resource Twilio returned: {}", e.getMessage());
            return Optional.empty();
        }
    }

    /**
     * Whether Twilio knows more than the ledger: a message the ledger never saw, a status of higher
     * precedence, or the same precedence with another status or error code. A lower one is old news.
     */
    private static boolean isNews(KnownState known, StatusEvent event)
    {
        if (known == null) {
            return true;
        }
        int knownRank = MessageStatus.fromWireName(known.status()).map(MessageStatus::rank).orElse(0);
        if (event.status().rank() != knownRank) {
            return event.status().rank() > knownRank;
        }
        return !event.status().wireName().equals(known.status()) || !event.errorCode().equals(known.errorCode());
    }

    private static FetchResult get(Future<FetchResult> result)
            throws InterruptedException
    {
        try {
            return result.get();
        }
        catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException runtime) {
                throw runtime;
            }
            throw new IllegalStateException(e.getCause());
        }
    }

    private record FetchResult(Optional<Check> check, Optional<StatusEvent> event, Optional<String> failure) {}

    private static final class Counters
    {
        private static final long PROGRESS_INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(30);

        private final String runId;
        private final LongAdder checked = new LongAdder();
        private final LongAdder fixed = new LongAdder();
        private final LongAdder notFound = new LongAdder();
        private final LongAdder failed = new LongAdder();
        private long lastProgress = System.nanoTime();

        private Counters(String runId)
        {
            this.runId = runId;
        }

        /** A line every 30 s while a long run (a day's listing, a large stale backlog) goes on. */
        private void progress(String phase)
        {
            long now = System.nanoTime();
            if (now - lastProgress >= PROGRESS_INTERVAL_NANOS) {
                lastProgress = now;
                log.info("Reconciliation run {} ({}): checked {}, fixed {}, not found {}, failed {} so far", runId, phase, checked.sum(), fixed.sum(), notFound.sum(), failed.sum());
            }
        }
    }

    /** Carries an interruption out of the page callback, which cannot throw checked exceptions. */
    private static final class InterruptedWrapper
            extends RuntimeException
    {
        private final InterruptedException cause;

        private InterruptedWrapper(InterruptedException cause)
        {
            super(cause);
            this.cause = cause;
        }
    }
}
