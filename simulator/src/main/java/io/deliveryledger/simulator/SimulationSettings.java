package io.deliveryledger.simulator;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import static java.util.Objects.requireNonNull;

/**
 * Everything a {@link Simulation} needs. Build it with {@link #builder()}: only the callback target and
 * one account are required, everything else has a default suited to a quick local run.
 *
 * @param apiRate API requests per second before {@code 429}; 0 means unlimited
 * @param apiLatency how long each API request takes at least, so that concurrent clients overlap the way they do against Twilio
 * @param messagingServiceShare share of messages sent through a Messaging Service (scheduled ones always are)
 */
public record SimulationSettings(
        URI target,
        List<Account> accounts,
        int messages,
        double rate,
        double drop,
        double duplicate,
        double reorder,
        OutcomeMix mix,
        double whatsapp,
        double messagingServiceShare,
        Duration stepDelayMin,
        Duration stepDelayMax,
        long seed,
        String apiHost,
        int apiPort,
        int apiMaxInFlight,
        double apiRate,
        double api429Probability,
        Duration apiRetryAfter,
        Duration apiLatency,
        Optional<Path> truthFile,
        Optional<Registration> registration)
{
    public SimulationSettings
    {
        requireNonNull(target, "target is null");
        accounts = List.copyOf(requireNonNull(accounts, "accounts is null"));
        requireNonNull(mix, "mix is null");
        requireNonNull(stepDelayMin, "stepDelayMin is null");
        requireNonNull(stepDelayMax, "stepDelayMax is null");
        requireNonNull(apiHost, "apiHost is null");
        requireNonNull(apiRetryAfter, "apiRetryAfter is null");
        requireNonNull(apiLatency, "apiLatency is null");
        requireNonNull(truthFile, "truthFile is null");
        requireNonNull(registration, "registration is null");
        if (!target.isAbsolute() || !List.of("http", "https").contains(target.getScheme())) {
            throw new IllegalArgumentException("target must be an absolute http(s) URL, got: " + target);
        }
        if (accounts.isEmpty()) {
            throw new IllegalArgumentException("At least one account (SID and auth token) is required");
        }
        if (accounts.stream().map(Account::sid).distinct().count() != accounts.size()) {
            throw new IllegalArgumentException("Account SIDs must be distinct: " + accounts);
        }
        if (messages < 0) {
            throw new IllegalArgumentException("messages must not be negative, got: " + messages);
        }
        if (!(rate > 0) || Double.isInfinite(rate)) {
            throw new IllegalArgumentException("rate must be a positive number of messages per second, got: " + rate);
        }
        checkProbability("drop", drop);
        checkProbability("duplicate", duplicate);
        checkProbability("reorder", reorder);
        checkProbability("whatsapp", whatsapp);
        checkProbability("messagingServiceShare", messagingServiceShare);
        checkProbability("api429Probability", api429Probability);
        if (stepDelayMin.isNegative() || stepDelayMax.compareTo(stepDelayMin) < 0) {
            throw new IllegalArgumentException("Step delays must satisfy 0 <= min <= max, got min %s, max %s".formatted(stepDelayMin, stepDelayMax));
        }
        if (apiPort < 0 || apiPort > 65535) {
            throw new IllegalArgumentException("apiPort must be from 0 (any free port) to 65535, got: " + apiPort);
        }
        if (apiMaxInFlight < 1) {
            throw new IllegalArgumentException("apiMaxInFlight must be at least 1, got: " + apiMaxInFlight);
        }
        if (!(apiRate >= 0) || Double.isInfinite(apiRate)) {
            throw new IllegalArgumentException("apiRate must be 0 (unlimited) or a positive number of requests per second, got: " + apiRate);
        }
        if (apiRetryAfter.isNegative() || apiLatency.isNegative()) {
            throw new IllegalArgumentException("apiRetryAfter and apiLatency must not be negative");
        }
    }

    public static Builder builder()
    {
        return new Builder();
    }

    private static void checkProbability(String name, double value)
    {
        if (!(value >= 0 && value <= 1)) {
            throw new IllegalArgumentException("%s must be a probability from 0 to 1, got: %s".formatted(name, value));
        }
    }

    /** Optional registration of created messages (Twilio best practice 1): their create-call JSON POSTed in batches. */
    public record Registration(URI url, double probability, Optional<String> bearerToken)
    {
        public Registration
        {
            requireNonNull(url, "url is null");
            requireNonNull(bearerToken, "bearerToken is null");
            checkProbability("register probability", probability);
        }
    }

    public static final class Builder
    {
        private URI target;
        private final List<Account> accounts = new ArrayList<>();
        private int messages = 100;
        private double rate = 100;
        private double drop;
        private double duplicate;
        private double reorder;
        private OutcomeMix mix = OutcomeMix.DEFAULT;
        private double whatsapp = 0.2;
        private double messagingServiceShare = 0.6;
        private Duration stepDelayMin = Duration.ofMillis(50);
        private Duration stepDelayMax = Duration.ofMillis(500);
        private long seed = 1;
        private String apiHost = "127.0.0.1";
        private int apiPort;
        private int apiMaxInFlight = 10;
        private double apiRate;
        private double api429Probability;
        private Duration apiRetryAfter = Duration.ofSeconds(1);
        private Duration apiLatency = Duration.ZERO;
        private Optional<Path> truthFile = Optional.empty();
        private Optional<Registration> registration = Optional.empty();

        private Builder() {}

        public Builder target(URI target)
        {
            this.target = target;
            return this;
        }

        public Builder account(String accountSid, String authToken)
        {
            accounts.add(new Account(accountSid, authToken));
            return this;
        }

        public Builder messages(int messages)
        {
            this.messages = messages;
            return this;
        }

        public Builder rate(double messagesPerSecond)
        {
            this.rate = messagesPerSecond;
            return this;
        }

        public Builder drop(double probability)
        {
            this.drop = probability;
            return this;
        }

        public Builder duplicate(double probability)
        {
            this.duplicate = probability;
            return this;
        }

        public Builder reorder(double probability)
        {
            this.reorder = probability;
            return this;
        }

        public Builder mix(OutcomeMix mix)
        {
            this.mix = mix;
            return this;
        }

        public Builder whatsapp(double share)
        {
            this.whatsapp = share;
            return this;
        }

        public Builder messagingServiceShare(double share)
        {
            this.messagingServiceShare = share;
            return this;
        }

        public Builder stepDelay(Duration min, Duration max)
        {
            this.stepDelayMin = min;
            this.stepDelayMax = max;
            return this;
        }

        public Builder seed(long seed)
        {
            this.seed = seed;
            return this;
        }

        public Builder apiHost(String host)
        {
            this.apiHost = host;
            return this;
        }

        public Builder apiPort(int port)
        {
            this.apiPort = port;
            return this;
        }

        public Builder apiMaxInFlight(int maxInFlight)
        {
            this.apiMaxInFlight = maxInFlight;
            return this;
        }

        public Builder apiRate(double requestsPerSecond)
        {
            this.apiRate = requestsPerSecond;
            return this;
        }

        public Builder api429Probability(double probability)
        {
            this.api429Probability = probability;
            return this;
        }

        public Builder apiRetryAfter(Duration retryAfter)
        {
            this.apiRetryAfter = retryAfter;
            return this;
        }

        public Builder apiLatency(Duration latency)
        {
            this.apiLatency = latency;
            return this;
        }

        public Builder truthFile(Path truthFile)
        {
            this.truthFile = Optional.of(truthFile);
            return this;
        }

        public Builder register(URI registerUrl, double probability, Optional<String> bearerToken)
        {
            this.registration = Optional.of(new Registration(registerUrl, probability, bearerToken));
            return this;
        }

        public SimulationSettings build()
        {
            return new SimulationSettings(target, accounts, messages, rate, drop, duplicate, reorder, mix, whatsapp, messagingServiceShare,
                    stepDelayMin, stepDelayMax, seed, apiHost, apiPort, apiMaxInFlight, apiRate, api429Probability, apiRetryAfter, apiLatency,
                    truthFile, registration);
        }
    }
}
