package io.deliveryledger.bench;

import io.deliveryledger.bench.ConstantRateSender.SendOutcome;
import io.deliveryledger.bench.FreshnessProbe.FreshnessOutcome;
import org.HdrHistogram.Histogram;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.StringJoiner;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;

/**
 * The open-loop load generator of bench/run: replays pre-signed status callbacks (a file of
 * bench/sign_callbacks.py) at a constant rate and measures each acknowledgement's latency from the
 * callback's intended send time (see {@link ConstantRateSender}). With {@code --api-url} it also
 * measures freshness: every {@code --sample-every}-th acknowledged callback is looked up in the API until
 * it is visible (see {@link FreshnessProbe}).
 *
 * <pre>
 * java -cp bench/target/bare-jetty.jar io.deliveryledger.bench.OpenLoopLoad \
 *     --url http://127.0.0.1:PORT/twilio/status --requests FILE --rate R --duration SECONDS
 *     [--warmup SECONDS] [--connections N] [--timeout SECONDS] [--label NAME] [--histogram-output FILE]
 *     [--api-url http://127.0.0.1:PORT/api/v1/messages/ --api-token TOKEN
 *      [--sample-every N] [--poll-interval-ms MS] [--visible-within SECONDS]]
 * </pre>
 *
 * It prints what it saw to standard error and one line {@code OPEN_LOOP_RESULT key=value ...} to
 * standard output, which bench/report.py reads. Its exit status is 0 whenever the run completed, even with
 * errors: they are in the line, for the report to show.
 */
public final class OpenLoopLoad
{
    private static final String USER_AGENT = "TwilioProxy/1.1";

    private OpenLoopLoad() {}

    public static void main(String[] args)
            throws Exception
    {
        Settings settings;
        try {
            settings = Settings.parse(args);
        }
        catch (IllegalArgumentException e) {
            System.err.println("open-loop: " + e.getMessage());
            System.err.println("usage: see the comment of io.deliveryledger.bench.OpenLoopLoad or bench/README.md");
            System.exit(2);
            return;
        }
        Schedule schedule = Schedule.of(settings.rate(), settings.warmupSeconds(), settings.durationSeconds());
        List<SignedCallback> callbacks = SignedCallback.readAll(settings.requests(), schedule.size());
        // Reading the file left garbage behind: collect it now rather than in the middle of the schedule.
        System.gc();

        HttpClient client = newClient("open-loop", settings.connections());
        // The probe has a client of its own, so its polls never take a connection the callbacks need.
        HttpClient probeClient = newClient("freshness", 64);
        ScheduledExecutorService pollScheduler = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "freshness-polls");
            thread.setDaemon(true);
            return thread;
        });
        client.start();
        probeClient.start();
        try {
            Optional<FreshnessProbe> probe = settings.apiUrl().map(apiUrl -> new FreshnessProbe(probeClient, apiUrl, settings.apiToken(),
                    settings.pollInterval(), settings.visibleWithin(), pollScheduler));
            System.err.printf(Locale.ROOT, "open-loop: %s: %,d callbacks/s for %s s (after %s s unrecorded, climbing to it) to %s, up to %d connections%s%n",
                    settings.label(), Math.round(settings.rate()), settings.durationSeconds(), settings.warmupSeconds(), settings.url(), settings.connections(),
                    probe.isPresent() ? ", freshness of 1 in " + settings.sampleEvery() + " every " + settings.pollInterval().toMillis() + " ms" : "");
            SendOutcome sent = new ConstantRateSender(client, settings.url(), callbacks, schedule, settings.connections(), settings.timeout(), probe,
                    settings.sampleEvery()).run();
            Optional<FreshnessOutcome> freshness = Optional.empty();
            if (probe.isPresent()) {
                probe.get().awaitAll(settings.visibleWithin().plusSeconds(15));
                freshness = Optional.of(probe.get().outcome());
            }
            if (settings.histogramOutput().isPresent()) {
                writeHistograms(settings.histogramOutput().get(), sent, freshness);
            }
            if (!sent.firstFailure().isEmpty()) {
                System.err.println("open-loop: the first request that failed without an answer: " + sent.firstFailure());
            }
            freshness.map(FreshnessOutcome::firstPollError).filter(error -> !error.isEmpty())
                    .ifPresent(error -> System.err.println("open-loop: the first poll answered neither 200 nor 404: " + error));
            String line = resultLine(settings, sent, freshness);
            System.err.println("open-loop: " + line);
            System.out.println(line);
        }
        finally {
            pollScheduler.shutdownNow();
            probeClient.stop();
            client.stop();
        }
    }

    private static HttpClient newClient(String name, int connections)
    {
        QueuedThreadPool threads = new QueuedThreadPool();
        threads.setName(name);
        HttpClient client = new HttpClient();
        client.setExecutor(threads);
        client.setMaxConnectionsPerDestination(connections);
        // Nothing is ever rejected by the client: a callback that finds every connection busy waits, and
        // is counted and timed as such.
        client.setMaxRequestsQueuedPerDestination(Integer.MAX_VALUE);
        client.setFollowRedirects(false);
        client.setUserAgentField(new HttpField(HttpHeader.USER_AGENT, USER_AGENT));
        // Twilio sends no Accept-Encoding; neither does wrk in the closed-loop runs.
        client.getContentDecoderFactories().clear();
        return client;
    }

    private static String resultLine(Settings settings, SendOutcome sent, Optional<FreshnessOutcome> freshness)
    {
        StringJoiner line = new StringJoiner(" ", "OPEN_LOOP_RESULT ", "");
        line.add("label=" + settings.label());
        line.add("target_per_s=" + format(settings.rate()));
        line.add("duration_s=" + format(settings.durationSeconds()));
        line.add("connections=" + settings.connections());
        line.add("scheduled=" + sent.scheduled());
        line.add("sent_per_s=" + format(sent.sentPerSecond()));
        line.add("ok_per_s=" + format(sent.okPerSecond()));
        line.add("answered=" + sent.answered());
        line.add("ok=" + sent.ok());
        line.add("non2xx=" + sent.non2xx());
        line.add("errors=" + sent.failed());
        line.add("unanswered=" + sent.unanswered());
        line.add("statuses=" + sent.statuses());
        line.add("warmup_statuses=" + sent.warmupStatuses());
        line.add("recorded_from_epoch_ms=" + sent.recordedFromEpochMillis());
        line.add("recorded_to_epoch_ms=" + sent.recordedToEpochMillis());
        line.add("waited_for_connection=" + sent.waitedForConnection());
        line.add("max_in_flight=" + sent.maxInFlight());
        line.add("generator_gc_count=" + sent.collections().count());
        line.add("generator_gc_ms=" + sent.collections().millis());
        addPercentiles(line, "", sent.latencyMicros());
        line.add("send_lag_p99_ms=" + milliseconds(sent.sendLagMicros().getValueAtPercentile(99)));
        line.add("send_lag_max_ms=" + milliseconds(sent.sendLagMicros().getMaxValue()));
        freshness.ifPresent(outcome -> {
            line.add("sample_every=" + settings.sampleEvery());
            line.add("poll_interval_ms=" + settings.pollInterval().toMillis());
            line.add("visible_within_s=" + settings.visibleWithin().toSeconds());
            line.add("fresh_samples=" + outcome.samples());
            line.add("fresh_visible=" + outcome.visible());
            line.add("fresh_not_visible=" + outcome.notVisible());
            line.add("fresh_unresolved=" + outcome.unresolved());
            line.add("fresh_polls=" + outcome.polls());
            line.add("fresh_poll_errors=" + outcome.pollErrors());
            line.add("fresh_poll_error_statuses=" + outcome.pollErrorStatuses());
            addPercentiles(line, "fresh_", outcome.ackToVisibleMicros());
            line.add("finding_poll_p50_ms=" + milliseconds(outcome.findingPollMicros().getValueAtPercentile(50)));
            line.add("finding_poll_p99_ms=" + milliseconds(outcome.findingPollMicros().getValueAtPercentile(99)));
        });
        return line.toString();
    }

    private static void addPercentiles(StringJoiner line, String prefix, Histogram micros)
    {
        line.add(prefix + "count=" + micros.getTotalCount());
        for (String percentile : List.of("50", "90", "99", "99.9")) {
            line.add(prefix + "p" + percentile + "_ms=" + milliseconds(micros.getValueAtPercentile(Double.parseDouble(percentile))));
        }
        line.add(prefix + "max_ms=" + milliseconds(micros.getMaxValue()));
    }

    private static void writeHistograms(Path file, SendOutcome sent, Optional<FreshnessOutcome> freshness)
            throws IOException
    {
        try (PrintStream out = new PrintStream(Files.newOutputStream(file), true, "UTF-8")) {
            out.println("# latency from the intended send time, milliseconds");
            sent.latencyMicros().outputPercentileDistribution(out, 1000.0);
            out.println("# send lag (how late the generator sent), milliseconds");
            sent.sendLagMicros().outputPercentileDistribution(out, 1000.0);
            if (freshness.isPresent() && freshness.get().visible() > 0) {
                out.println("# acknowledgement to visible in the API, milliseconds");
                freshness.get().ackToVisibleMicros().outputPercentileDistribution(out, 1000.0);
            }
        }
    }

    private static String milliseconds(long micros)
    {
        return String.format(Locale.ROOT, "%.3f", micros / 1000.0);
    }

    private static String format(double value)
    {
        return String.format(Locale.ROOT, "%.1f", value);
    }

    /** The command line; {@code --api-url} switches the freshness probe on and then needs {@code --api-token}. */
    record Settings(URI url, Path requests, double rate, double durationSeconds, double warmupSeconds, int connections, Duration timeout, String label,
                    Optional<Path> histogramOutput, Optional<URI> apiUrl, String apiToken, int sampleEvery, Duration pollInterval, Duration visibleWithin)
    {
        static Settings parse(String[] args)
        {
            Map<String, String> values = new HashMap<>();
            for (int index = 0; index < args.length; index += 2) {
                if (!args[index].startsWith("--") || index + 1 >= args.length) {
                    throw new IllegalArgumentException("expected --name value pairs, got '" + args[index] + "'");
                }
                values.put(args[index].substring(2), args[index + 1]);
            }
            Settings settings = new Settings(
                    URI.create(required(values, "url")),
                    Path.of(required(values, "requests")),
                    positive(values, "rate", null),
                    positive(values, "duration", null),
                    nonNegative(values.remove("warmup"), 5),
                    (int) positive(values, "connections", "1024"),
                    Duration.ofMillis(Math.round(positive(values, "timeout", "30") * 1000)),
                    values.getOrDefault("label", "open-loop"),
                    Optional.ofNullable(values.remove("histogram-output")).map(Path::of),
                    // Each message's SID is resolved against it, so it has to end with a slash.
                    Optional.ofNullable(values.remove("api-url")).map(url -> URI.create(url.endsWith("/") ? url : url + "/")),
                    values.getOrDefault("api-token", ""),
                    (int) positive(values, "sample-every", "100"),
                    Duration.ofMillis((long) positive(values, "poll-interval-ms", "25")),
                    Duration.ofSeconds((long) positive(values, "visible-within", "60")));
            values.remove("label");
            values.remove("api-token");
            if (!values.isEmpty()) {
                throw new IllegalArgumentException("unknown options " + values.keySet());
            }
            if (settings.apiUrl().isPresent() && settings.apiToken().isEmpty()) {
                throw new IllegalArgumentException("--api-url needs --api-token");
            }
            return settings;
        }

        private static String required(Map<String, String> values, String name)
        {
            String value = values.remove(name);
            if (value == null) {
                throw new IllegalArgumentException("--" + name + " is required");
            }
            return value;
        }

        private static double positive(Map<String, String> values, String name, String defaultValue)
        {
            String value = defaultValue == null ? required(values, name) : values.getOrDefault(name, defaultValue);
            values.remove(name);
            double number = Double.parseDouble(value);
            if (!(number > 0)) {
                throw new IllegalArgumentException("--" + name + " must be positive, got " + value);
            }
            return number;
        }

        private static double nonNegative(String value, double defaultValue)
        {
            double number = value == null ? defaultValue : Double.parseDouble(value);
            if (!(number >= 0)) {
                throw new IllegalArgumentException("--warmup must be 0 or more, got " + value);
            }
            return number;
        }
    }
}
