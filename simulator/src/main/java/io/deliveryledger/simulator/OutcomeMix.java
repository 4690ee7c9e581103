package io.deliveryledger.simulator;

import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;

import static java.util.Objects.requireNonNull;

/**
 * How often each final outcome occurs, as weights that need not add up to one (they are normalised).
 * Parsed from {@code delivered=0.8,undelivered=0.06,failed=0.04,read=0.07,canceled=0.03}; outcomes
 * left out get weight zero.
 */
public record OutcomeMix(Map<Outcome, Double> weights)
{
    public static final OutcomeMix DEFAULT = new OutcomeMix(Map.of(
            Outcome.DELIVERED, 0.80,
            Outcome.UNDELIVERED, 0.06,
            Outcome.FAILED, 0.04,
            Outcome.READ, 0.07,
            Outcome.CANCELED, 0.03));

    public OutcomeMix
    {
        requireNonNull(weights, "weights is null");
        EnumMap<Outcome, Double> complete = new EnumMap<>(Outcome.class);
        double total = 0;
        for (Outcome outcome : Outcome.values()) {
            double weight = weights.getOrDefault(outcome, 0.0);
            if (!(weight >= 0) || Double.isInfinite(weight)) {
                throw new IllegalArgumentException("Weight of outcome %s must be a non-negative number, got %s".formatted(outcome.wireName(), weight));
            }
            complete.put(outcome, weight);
            total += weight;
        }
        if (total <= 0) {
            throw new IllegalArgumentException("At least one outcome needs a positive weight");
        }
        weights = Map.copyOf(complete);
    }

    public static OutcomeMix parse(String text)
    {
        requireNonNull(text, "text is null");
        Map<Outcome, Double> weights = new EnumMap<>(Outcome.class);
        for (String entry : text.split(",")) {
            String[] parts = entry.split("=", 2);
            if (parts.length != 2) {
                throw new IllegalArgumentException("Outcome mix entries are outcome=weight, got: " + entry);
            }
            Outcome outcome = Outcome.fromWireName(parts[0].trim().toLowerCase(Locale.ROOT));
            try {
                weights.put(outcome, Double.parseDouble(parts[1].trim()));
            }
            catch (NumberFormatException e) {
                throw new IllegalArgumentException("Weight of outcome %s is not a number: %s".formatted(outcome.wireName(), parts[1]), e);
            }
        }
        return new OutcomeMix(weights);
    }

    /** The outcome at {@code point} (uniform in [0, 1)) of the cumulative distribution. */
    public Outcome pick(double point)
    {
        double total = weights.values().stream().mapToDouble(Double::doubleValue).sum();
        double cumulative = 0;
        Outcome last = Outcome.DELIVERED;
        for (Outcome outcome : Outcome.values()) {
            double weight = weights.get(outcome);
            if (weight == 0) {
                continue;
            }
            cumulative += weight / total;
            last = outcome;
            if (point < cumulative) {
                return outcome;
            }
        }
        return last;
    }

    /** The share of messages (0 to 1) that end with this outcome. */
    public double share(Outcome outcome)
    {
        double total = weights.values().stream().mapToDouble(Double::doubleValue).sum();
        return weights.get(outcome) / total;
    }

    public enum Outcome
    {
        DELIVERED("delivered"),
        UNDELIVERED("undelivered"),
        FAILED("failed"),
        READ("read"),
        CANCELED("canceled");

        private final String wireName;

        Outcome(String wireName)
        {
            this.wireName = wireName;
        }

        public String wireName()
        {
            return wireName;
        }

        public static Outcome fromWireName(String name)
        {
            for (Outcome outcome : values()) {
                if (outcome.wireName.equals(name)) {
                    return outcome;
                }
            }
            throw new IllegalArgumentException("Unknown outcome '%s': use delivered, undelivered, failed, read or canceled".formatted(name));
        }
    }
}
