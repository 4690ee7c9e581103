package io.deliveryledger.simulator.traffic;

import io.deliveryledger.simulator.SimulationReport;
import io.deliveryledger.simulator.SimulationSettings;
import io.deliveryledger.simulator.api.MessageStore;
import io.deliveryledger.simulator.truth.TruthFile;
import io.deliveryledger.simulator.truth.TruthRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static java.util.Objects.requireNonNull;

/**
 * Plays the planned traffic in real time: creates each message at its time (visible in the API from
 * then on, optionally registered), and at each later step of its lifecycle sends the status callback
 * with its faults. A message's callbacks go out one after the other, each after the previous one was
 * answered, so a reordered callback really arrives after the next one; at most
 * {@value #MAX_CALLBACKS_IN_FLIGHT} callbacks are in flight overall. The truth line of a message is
 * written once its last callback was attempted.
 */
public final class TrafficRunner
        implements AutoCloseable
{
    private static final Logger log = LoggerFactory.getLogger(TrafficRunner.class);
    private static final int MAX_CALLBACKS_IN_FLIGHT = 32;
    private static final Duration PROGRESS_INTERVAL = Duration.ofSeconds(5);
    private static final Duration REGISTRATION_INTERVAL = Duration.ofSeconds(1);
    // Registration decisions draw from their own sequence, so turning registration on leaves the traffic unchanged.
    private static final long REGISTRATION_SEED_SALT = 0x5eed_4e61_5354_4552L;

    private final SimulationSettings settings;
    private final MessageStore store;
    private final CallbackSender sender;
    private final Optional<TruthFile> truthFile;
    private final Optional<Registrar> registrar;
    private final TrafficCounters counters;
    private final CountDownLatch unfinishedMessages;
    private final ScheduledExecutorService scheduler = Executors.newScheduledThreadPool(2, threads("simulator-scheduler"));
    private final ExecutorService callbackThreads = Executors.newFixedThreadPool(MAX_CALLBACKS_IN_FLIGHT, threads("simulator-callbacks"));
    private final Thread creator;

    public TrafficRunner(SimulationSettings settings, MessageStore store, CallbackSender sender, Optional<TruthFile> truthFile,
            Optional<Registrar> registrar, TrafficCounters counters)
    {
        this.settings = requireNonNull(settings, "settings is null");
        this.store = requireNonNull(store, "store is null");
        this.sender = requireNonNull(sender, "sender is null");
        this.truthFile = requireNonNull(truthFile, "truthFile is null");
        this.registrar = requireNonNull(registrar, "registrar is null");
        this.counters = requireNonNull(counters, "counters is null");
        this.unfinishedMessages = new CountDownLatch(settings.messages());
        this.creator = threads("simulator-creator").newThread(this::createMessages);
    }

    public void start()
    {
        creator.start();
        scheduler.scheduleAtFixedRate(this::logProgress, PROGRESS_INTERVAL.toMillis(), PROGRESS_INTERVAL.toMillis(), TimeUnit.MILLISECONDS);
        registrar.ifPresent(active -> scheduler.scheduleAtFixedRate(() -> runSafely("registration", active::flush),
                REGISTRATION_INTERVAL.toMillis(), REGISTRATION_INTERVAL.toMillis(), TimeUnit.MILLISECONDS));
    }

    /** Waits until every message has reached its final status and its callbacks were attempted; then sends the last registrations. */
    public boolean await(Duration timeout)
            throws InterruptedException
    {
        if (!unfinishedMessages.await(timeout.toNanos(), TimeUnit.NANOSECONDS)) {
            return false;
        }
        registrar.ifPresent(Registrar::close);
        return true;
    }

    public boolean isFinished()
    {
        return unfinishedMessages.getCount() == 0;
    }

    public SimulationReport report()
    {
        return counters.snapshot();
    }

    @Override
    public void close()
    {
        creator.interrupt();
        scheduler.shutdownNow();
        callbackThreads.shutdownNow();
        registrar.ifPresent(Registrar::close);
    }

    private void createMessages()
    {
        TrafficPlanner planner = new TrafficPlanner(settings, Instant.now());
        Random registrationRandom = new Random(settings.seed() ^ REGISTRATION_SEED_SALT);
        try {
            while (planner.hasNext()) {
                PlannedMessage message = planner.next();
                sleepUntil(message.createdAt());
                store.add(message);
                counters.messagesCreated.increment();
                if (registrar.isPresent() && registrationRandom.nextDouble() < registrar.get().probability()) {
                    registrar.get().register(message);
                }
                new MessageRun(message).schedule();
            }
        }
        catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        catch (RuntimeException e) {
            log.error("Traffic stopped: creating messages failed", e);
        }
    }

    private void logProgress()
    {
        if (!isFinished()) {
            log.info("progress: {}", counters.snapshot().summaryLine());
        }
    }

    private static void sleepUntil(Instant at)
            throws InterruptedException
    {
        long nanos = Duration.between(Instant.now(), at).toNanos();
        if (nanos > 0) {
            TimeUnit.NANOSECONDS.sleep(nanos);
        }
    }

    private static void runSafely(String what, Runnable task)
    {
        try {
            task.run();
        }
        catch (RuntimeException e) {
            log.error("Simulated {} failed", what, e);
        }
    }

    private static ThreadFactory threads(String name)
    {
        AtomicInteger number = new AtomicInteger();
        return runnable -> {
            Thread thread = new Thread(runnable, name + "-" + number.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        };
    }

    /** One message's callbacks, chained so that each is sent after the previous one was answered. */
    private final class MessageRun
    {
        private final PlannedMessage message;
        private CompletableFuture<Void> chain = CompletableFuture.completedFuture(null);
        private Optional<StatusStep> held = Optional.empty();

        MessageRun(PlannedMessage message)
        {
            this.message = requireNonNull(message, "message is null");
        }

        void schedule()
        {
            scheduleStep(1);
        }

        // Each step schedules the next, so a message's steps run in order even when the scheduler falls behind.
        private void scheduleStep(int index)
        {
            List<StatusStep> steps = message.steps();
            StatusStep step = steps.get(index);
            boolean last = index == steps.size() - 1;
            long delay = Math.max(0, Duration.between(Instant.now(), step.at()).toNanos());
            scheduler.schedule(() -> {
                runSafely("status step", () -> reach(step, last));
                if (!last) {
                    scheduleStep(index + 1);
                }
            }, delay, TimeUnit.NANOSECONDS);
        }

        private synchronized void reach(StatusStep step, boolean last)
        {
            CallbackFaults faults = step.faults().orElseThrow();
            Optional<StatusStep> release = held;
            held = Optional.empty();
            if (faults.drop()) {
                counters.callbacksDropped.increment();
            }
            else if (faults.reorder()) {
                counters.callbacksReordered.increment();
                held = Optional.of(step);
            }
            else {
                enqueue(step);
            }
            release.ifPresent(this::enqueue);
            if (last) {
                chain = chain.thenRunAsync(() -> runSafely("truth record", this::finish), callbackThreads);
            }
        }

        private void enqueue(StatusStep step)
        {
            chain = chain.thenRunAsync(() -> runSafely("status callback", () -> deliver(step)), callbackThreads);
        }

        private void deliver(StatusStep step)
        {
            sender.send(message, step);
            counters.callbacksSent.increment();
            if (step.faults().orElseThrow().duplicate()) {
                sender.send(message, step);
                counters.callbacksDuplicated.increment();
            }
        }

        private void finish()
        {
            try {
                StatusStep last = message.finalStep();
                truthFile.ifPresent(file -> file.write(new TruthRecord(message.sid(), message.account().sid(), last.status().wireName(),
                        last.errorCode(), message.createdAt())));
            }
            finally {
                unfinishedMessages.countDown();
            }
        }
    }
}
