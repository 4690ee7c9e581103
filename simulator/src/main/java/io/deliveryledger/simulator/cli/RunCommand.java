package io.deliveryledger.simulator.cli;

import io.deliveryledger.simulator.OutcomeMix;
import io.deliveryledger.simulator.Simulation;
import io.deliveryledger.simulator.SimulationReport;
import io.deliveryledger.simulator.SimulationSettings;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.io.PrintWriter;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

@Command(name = "run", mixinStandardHelpOptions = true,
        description = "Creates messages, sends their status callbacks to --target and serves the Messages REST API until stopped (or --serve-seconds).")
final class RunCommand
        implements Callable<Integer>
{
    private static final Logger log = LoggerFactory.getLogger(RunCommand.class);
    private static final Duration SHUTDOWN_GRACE = Duration.ofSeconds(10);

    @Spec
    private CommandSpec spec;

    @Option(names = "--target", required = true, description = "Status callback URL, with your own query tags if you like; signed exactly as given.")
    private URI target;

    @Option(names = "--account-sid", required = true, description = "Account SID (AC + 32 hex); repeat for several accounts, paired with --auth-token by order.")
    private List<String> accountSids;

    @Option(names = "--auth-token", required = true, description = "Auth token of the account at the same position.")
    private List<String> authTokens;

    @Option(names = "--messages", defaultValue = "100", description = "Messages to create (default: ${DEFAULT-VALUE}).")
    private int messages;

    @Option(names = "--rate", defaultValue = "100", description = "Messages created per second (default: ${DEFAULT-VALUE}).")
    private double rate;

    @Option(names = "--drop", defaultValue = "0", description = "Probability that a callback is never sent (default: ${DEFAULT-VALUE}).")
    private double drop;

    @Option(names = "--duplicate", defaultValue = "0", description = "Probability that a callback is sent twice with the same I-Twilio-Idempotency-Token (default: ${DEFAULT-VALUE}).")
    private double duplicate;

    @Option(names = "--reorder", defaultValue = "0", description = "Probability that a callback arrives after the message's next one (default: ${DEFAULT-VALUE}).")
    private double reorder;

    @Option(names = "--mix", defaultValue = "delivered=0.8,undelivered=0.06,failed=0.04,read=0.07,canceled=0.03",
            description = "Weights of the final outcomes (default: ${DEFAULT-VALUE}).")
    private String mix;

    @Option(names = "--whatsapp", defaultValue = "0.2", description = "Share of messages on WhatsApp; messages that end read always are (default: ${DEFAULT-VALUE}).")
    private double whatsapp;

    @Option(names = "--messaging-service", defaultValue = "0.6", description = "Share of messages sent through a Messaging Service; scheduled ones always are (default: ${DEFAULT-VALUE}).")
    private double messagingServiceShare;

    @Option(names = "--step-delay-ms", defaultValue = "50-500", description = "Delay between a message's statuses, MIN-MAX or one value, in ms (default: ${DEFAULT-VALUE}).")
    private String stepDelay;

    @Option(names = "--seed", defaultValue = "1", description = "Seed of the traffic: the same seed gives the same messages and faults (default: ${DEFAULT-VALUE}).")
    private long seed;

    @Option(names = "--api-host", defaultValue = "127.0.0.1", description = "Address the REST API listens on (default: ${DEFAULT-VALUE}).")
    private String apiHost;

    @Option(names = "--api-port", defaultValue = "0", description = "REST API port; 0 picks a free one and prints it (default: ${DEFAULT-VALUE}).")
    private int apiPort;

    @Option(names = "--api-max-in-flight", defaultValue = "10", description = "Concurrent API requests before 429 (default: ${DEFAULT-VALUE}).")
    private int apiMaxInFlight;

    @Option(names = "--api-rate", defaultValue = "0", description = "API requests per second before 429; 0 is unlimited (default: ${DEFAULT-VALUE}).")
    private double apiRate;

    @Option(names = "--api-429-probability", defaultValue = "0", description = "Probability that any API request gets 429, for storms (default: ${DEFAULT-VALUE}).")
    private double api429Probability;

    @Option(names = "--api-retry-after", defaultValue = "1", description = "Retry-After of a 429, in seconds (default: ${DEFAULT-VALUE}).")
    private long apiRetryAfterSeconds;

    @Option(names = "--api-latency-ms", defaultValue = "0", description = "Time each API request takes at least, in ms (default: ${DEFAULT-VALUE}).")
    private long apiLatencyMillis;

    @Option(names = "--truth", description = "File receiving every message's true final status (JSON lines).")
    private Path truth;

    @Option(names = "--register-url", description = "URL receiving created messages' create-call JSON, in batches (Twilio best practice 1).")
    private URI registerUrl;

    @Option(names = "--register", defaultValue = "0", description = "Probability that a created message is registered (default: ${DEFAULT-VALUE}).")
    private double registerProbability;

    @Option(names = "--register-token", description = "Bearer token for --register-url.")
    private String registerToken;

    @Option(names = "--serve-seconds", description = "Seconds to keep serving the API after the traffic; default: until stopped.")
    private Long serveSeconds;

    @Override
    public Integer call()
            throws InterruptedException
    {
        SimulationSettings settings = settings();
        PrintWriter out = spec.commandLine().getOut();
        CountDownLatch stopRequested = new CountDownLatch(1);
        CountDownLatch finished = new CountDownLatch(1);
        // On Ctrl-C or SIGTERM: let the main thread print the statistics and close everything before the JVM halts.
        Thread hook = new Thread(() -> {
            stopRequested.countDown();
            awaitQuietly(finished, SHUTDOWN_GRACE);
        }, "simulator-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        try (Simulation simulation = Simulation.start(settings)) {
            out.println("api: " + simulation.apiBaseUrl());
            out.flush();
            SimulationReport report = awaitTraffic(simulation, stopRequested);
            out.println(report.summaryLine());
            out.flush();
            if (serveSeconds == null) {
                log.info("traffic done; serving the API on {} until stopped", simulation.apiBaseUrl());
                stopRequested.await();
            }
            else {
                stopRequested.await(serveSeconds, TimeUnit.SECONDS);
            }
            out.println(simulation.apiStatistics().summaryLine());
            out.flush();
            return report.registrationErrors() > 0 ? 1 : 0;
        }
        finally {
            finished.countDown();
            removeHook(hook);
        }
    }

    private static SimulationReport awaitTraffic(Simulation simulation, CountDownLatch stopRequested)
            throws InterruptedException
    {
        while (!simulation.isTrafficFinished()) {
            if (stopRequested.await(1, TimeUnit.SECONDS)) {
                return simulation.trafficReport();
            }
        }
        return simulation.awaitTraffic(Duration.ofMinutes(1));
    }

    private static void awaitQuietly(CountDownLatch latch, Duration timeout)
    {
        try {
            latch.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
        }
        catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void removeHook(Thread hook)
    {
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        }
        catch (IllegalStateException e) {
            // the JVM is already shutting down, hook included
        }
    }

    private SimulationSettings settings()
    {
        if (accountSids.size() != authTokens.size()) {
            throw new ParameterException(spec.commandLine(), "--account-sid and --auth-token must be given the same number of times, got %d and %d"
                    .formatted(accountSids.size(), authTokens.size()));
        }
        if (registerUrl == null && registerProbability > 0) {
            throw new ParameterException(spec.commandLine(), "--register needs --register-url");
        }
        try {
            SimulationSettings.Builder builder = SimulationSettings.builder()
                    .target(target)
                    .messages(messages)
                    .rate(rate)
                    .drop(drop)
                    .duplicate(duplicate)
                    .reorder(reorder)
                    .mix(OutcomeMix.parse(mix))
                    .whatsapp(whatsapp)
                    .messagingServiceShare(messagingServiceShare)
                    .seed(seed)
                    .apiHost(apiHost)
                    .apiPort(apiPort)
                    .apiMaxInFlight(apiMaxInFlight)
                    .apiRate(apiRate)
                    .api429Probability(api429Probability)
                    .apiRetryAfter(Duration.ofSeconds(apiRetryAfterSeconds))
                    .apiLatency(Duration.ofMillis(apiLatencyMillis));
            String[] delays = stepDelay.split("-", 2);
            builder.stepDelay(Duration.ofMillis(Long.parseLong(delays[0].trim())), Duration.ofMillis(Long.parseLong(delays[delays.length - 1].trim())));
            for (int index = 0; index < accountSids.size(); index++) {
                builder.account(accountSids.get(index), authTokens.get(index));
            }
            if (truth != null) {
                builder.truthFile(truth);
            }
            if (registerUrl != null) {
                builder.register(registerUrl, registerProbability, Optional.ofNullable(registerToken));
            }
            return builder.build();
        }
        catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage(), e);
        }
    }
}
