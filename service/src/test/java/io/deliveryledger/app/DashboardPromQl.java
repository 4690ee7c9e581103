package io.deliveryledger.app;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The PromQL of the committed Grafana files (dashboards/generated/*.json and
 * dashboards/provisioning/alerting/*.yaml): every query whose data source is of type prometheus, and
 * the metric names it selects.
 */
final class DashboardPromQl
{
    /** Label matchers, range and subquery selectors, string literals, and the label lists of by/without/on/ignoring/group_*. */
    private static final Pattern NOT_METRICS = Pattern.compile("\\{[^}]*}|\\[[^]]*]|\"[^\"]*\"|\\b(?:by|without|on|ignoring|group_left|group_right)\\s*\\([^)]*\\)");
    /** A whole name, not directly after a digit (a duration's unit) and not called (a function or aggregation). */
    private static final Pattern NAME = Pattern.compile("(?<![a-zA-Z0-9_:.])([a-zA-Z_:][a-zA-Z0-9_:]*+)(?!\\s*\\()");
    private static final Set<String> KEYWORDS = Set.of("and", "or", "unless", "bool", "offset", "by", "without", "on", "ignoring", "group_left", "group_right", "inf", "nan");

    private DashboardPromQl() {}

    static List<String> queries(Path dashboards)
    {
        List<String> queries = new ArrayList<>();
        ObjectMapper json = new ObjectMapper();
        ObjectMapper yaml = new ObjectMapper(new YAMLFactory());
        try (Stream<Path> generated = Files.list(dashboards.resolve("generated"));
                Stream<Path> alerting = Files.list(dashboards.resolve("provisioning").resolve("alerting"))) {
            for (Path file : generated.filter(path -> path.toString().endsWith(".json")).toList()) {
                collect(json.readTree(file.toFile()), queries);
            }
            for (Path file : alerting.filter(path -> path.toString().endsWith(".yaml")).toList()) {
                collect(yaml.readTree(file.toFile()), queries);
            }
        }
        catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return queries;
    }

    static Set<String> metricNames(Path dashboards)
    {
        Set<String> names = new TreeSet<>();
        for (String query : queries(dashboards)) {
            Matcher name = NAME.matcher(NOT_METRICS.matcher(query).replaceAll(" "));
            while (name.find()) {
                if (!KEYWORDS.contains(name.group(1).toLowerCase(Locale.ROOT))) {
                    names.add(name.group(1));
                }
            }
        }
        return names;
    }

    private static void collect(JsonNode node, List<String> queries)
    {
        if (node.path("expr").isTextual() && node.path("datasource").path("type").asText().equals("prometheus")) {
            queries.add(node.path("expr").asText());
        }
        node.elements().forEachRemaining(child -> collect(child, queries));
    }
}
