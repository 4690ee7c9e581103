package io.deliveryledger.testing;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import static java.util.Objects.requireNonNull;

/**
 * One scrape of {@code GET /metrics/prometheus}, parsed as Prometheus' text format (0.0.4) reads:
 * {@code # TYPE} lines and samples {@code name{label="value",...} value}. Parsing fails on any other line,
 * so a malformed exposition fails the test that scrapes it.
 */
public record PrometheusScrape(String contentType, Map<String, String> types, List<Sample> samples)
{
    /** Prometheus' metric and label name syntax. */
    public static final Pattern METRIC_NAME = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*");
    private static final Pattern SAMPLE = Pattern.compile("(" + METRIC_NAME.pattern() + ")(?:\\{(.*)})? (\\S+)");
    private static final Pattern LABEL = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\]|\\\\.)*)\",?");
    private static final Pattern TYPE = Pattern.compile("# TYPE (" + METRIC_NAME.pattern() + ") (counter|gauge|summary|histogram|untyped)");

    public record Sample(String name, Map<String, String> labels, double value)
    {
        public Sample
        {
            requireNonNull(name, "name is null");
            labels = Map.copyOf(labels);
        }
    }

    public PrometheusScrape
    {
        requireNonNull(contentType, "contentType is null");
        types = Map.copyOf(types);
        samples = List.copyOf(samples);
    }

    public static PrometheusScrape of(String adminUrl)
            throws IOException, InterruptedException
    {
        HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(adminUrl + "/metrics/prometheus")).build(), HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 200) {
            throw new AssertionError("GET /metrics/prometheus answered " + response.statusCode() + ": " + response.body());
        }
        return parse(response.headers().firstValue("Content-Type").orElse(""), response.body());
    }

    public static PrometheusScrape parse(String contentType, String text)
    {
        Map<String, String> types = new TreeMap<>();
        List<Sample> samples = text.lines()
                .filter(line -> {
                    Matcher type = TYPE.matcher(line);
                    if (type.matches()) {
                        types.put(type.group(1), type.group(2));
                    }
                    return !line.startsWith("#") && !line.isEmpty();
                })
                .map(PrometheusScrape::sample)
                .toList();
        return new PrometheusScrape(contentType, types, samples);
    }

    private static Sample sample(String line)
    {
        Matcher matcher = SAMPLE.matcher(line);
        if (!matcher.matches()) {
            throw new AssertionError("Not a Prometheus sample line: " + line);
        }
        Map<String, String> labels = new TreeMap<>();
        if (matcher.group(2) != null) {
            Matcher label = LABEL.matcher(matcher.group(2));
            int end = 0;
            while (label.find() && label.start() == end) {
                labels.put(label.group(1), label.group(2));
                end = label.end();
            }
            if (end != matcher.group(2).length()) {
                throw new AssertionError("Malformed labels in: " + line);
            }
        }
        return new Sample(matcher.group(1), labels, Double.parseDouble(matcher.group(3)));
    }

    public Set<String> names()
    {
        return samples.stream().map(Sample::name).collect(Collectors.toCollection(TreeSet::new));
    }

    /** The sum of the samples of {@code name} whose labels include {@code labels}; fails if there is none. */
    public double value(String name, Map<String, String> labels)
    {
        List<Sample> matching = samples.stream()
                .filter(sample -> sample.name().equals(name) && sample.labels().entrySet().containsAll(labels.entrySet()))
                .toList();
        if (matching.isEmpty()) {
            throw new AssertionError("No sample %s%s in the scrape; names: %s".formatted(name, labels, names()));
        }
        return matching.stream().mapToDouble(Sample::value).sum();
    }

    public double value(String name)
    {
        return value(name, Map.of());
    }
}
