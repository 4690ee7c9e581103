package io.deliveryledger.simulator;

import io.deliveryledger.simulator.api.ApiServer;
import io.deliveryledger.simulator.api.MessageStore;
import io.deliveryledger.simulator.api.MessagesApiHandler;
import io.deliveryledger.simulator.api.MessagesApiHandler.ApiLimits;
import io.deliveryledger.simulator.traffic.CallbackSender;
import io.deliveryledger.simulator.traffic.Registrar;
import io.deliveryledger.simulator.traffic.TrafficCounters;
import io.deliveryledger.simulator.traffic.TrafficRunner;
import io.deliveryledger.simulator.truth.TruthFile;

import java.net.URI;
import java.time.Duration;
import java.util.Optional;

import static java.util.Objects.requireNonNull;

/**
 * A running simulation: the Messages REST API, and traffic that creates messages and sends their
 * status callbacks to the target. {@link #close()} stops both, whether or not the traffic finished.
 */
public final class Simulation
        implements AutoCloseable
{
    private final ApiServer apiServer;
    private final MessagesApiHandler apiHandler;
    private final TrafficRunner traffic;
    private final Optional<TruthFile> truthFile;

    private Simulation(ApiServer apiServer, MessagesApiHandler apiHandler, TrafficRunner traffic, Optional<TruthFile> truthFile)
    {
        this.apiServer = requireNonNull(apiServer, "apiServer is null");
        this.apiHandler = requireNonNull(apiHandler, "apiHandler is null");
        this.traffic = requireNonNull(traffic, "traffic is null");
        this.truthFile = requireNonNull(truthFile, "truthFile is null");
    }

    /** Starts the API (listening when this returns) and the traffic. */
    public static Simulation start(SimulationSettings settings)
    {
        requireNonNull(settings, "settings is null");
        MessageStore store = new MessageStore();
        MessagesApiHandler apiHandler = new MessagesApiHandler(store, settings.accounts(), new ApiLimits(
                settings.apiMaxInFlight(), settings.apiRate(), settings.api429Probability(), settings.apiRetryAfter(), settings.apiLatency()));
        ApiServer apiServer = new ApiServer(apiHandler, settings.apiHost(), settings.apiPort());
        apiServer.start();
        Optional<TruthFile> truthFile = Optional.empty();
        try {
            truthFile = settings.truthFile().map(TruthFile::create);
            TrafficCounters counters = new TrafficCounters();
            Optional<Registrar> registrar = settings.registration().map(registration -> new Registrar(registration, counters));
            TrafficRunner traffic = new TrafficRunner(settings, store, new CallbackSender(settings.target(), settings.accounts(), counters),
                    truthFile, registrar, counters);
            traffic.start();
            return new Simulation(apiServer, apiHandler, traffic, truthFile);
        }
        catch (RuntimeException e) {
            truthFile.ifPresent(TruthFile::close);
            apiServer.close();
            throw e;
        }
    }

    /** {@code http://host:port} of the REST API, e.g. {@code http://127.0.0.1:41234}. */
    public URI apiBaseUrl()
    {
        return apiServer.baseUrl();
    }

    /**
     * Waits until every message reached its final status, all callbacks were attempted, the truth file
     * is complete and every registration answered.
     *
     * @throws IllegalStateException when that takes longer than {@code timeout}
     */
    public SimulationReport awaitTraffic(Duration timeout)
    {
        requireNonNull(timeout, "timeout is null");
        try {
            if (!traffic.await(timeout)) {
                throw new IllegalStateException("Traffic not finished within %s; so far: %s".formatted(timeout, traffic.report().summaryLine()));
            }
        }
        catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while waiting for the traffic", e);
        }
        return traffic.report();
    }

    /** Whether every message has reached its final status and its callbacks were attempted. */
    public boolean isTrafficFinished()
    {
        return traffic.isFinished();
    }

    /** The traffic's counts so far. */
    public SimulationReport trafficReport()
    {
        return traffic.report();
    }

    public ApiStatistics apiStatistics()
    {
        return apiHandler.statistics();
    }

    @Override
    public void close()
    {
        try {
            traffic.close();
        }
        finally {
            truthFile.ifPresent(TruthFile::close);
            apiServer.close();
        }
    }
}
