package io.deliveryledger.health;

import com.codahale.metrics.MetricRegistry;
import io.prometheus.client.CollectorRegistry;
import io.prometheus.client.dropwizard.DropwizardExports;
import io.prometheus.client.dropwizard.samplebuilder.CustomMappingSampleBuilder;
import io.prometheus.client.dropwizard.samplebuilder.MapperConfig;
import io.prometheus.client.servlet.jakarta.exporter.MetricsServlet;

import java.util.List;
import java.util.Map;

/**
 * Every metric of the admin {@code /metrics} in Prometheus' text format, through Prometheus'
 * Dropwizard bridge (simpleclient_dropwizard), read at each scrape. Names: dots and dashes become
 * underscores ({@code sink.insert-failures} → {@code sink_insert_failures_total}); a meter is a counter
 * with {@code _total}; a counter and a gauge are gauges; a timer is a summary in seconds and a
 * histogram a summary, both with quantiles and {@code _count}. Gauges that are not numbers (e.g.
 * {@code jvm.attribute.vendor}) have no Prometheus form. The meters named per reason become one
 * metric with a {@code reason} label (docs/deployment.md, "Prometheus").
 */
public final class PrometheusExposition
{
    public static final String PATH = "/metrics/prometheus";

    /** Meters created per reason, as they first happen: one labelled metric each, for sums and rates by reason. */
    private static final List<MapperConfig> LABELLED = List.of(
            new MapperConfig("intake.rejected.*", "intake_rejected", Map.of("reason", "${0}")),
            new MapperConfig("intake.forbidden.*", "intake_forbidden", Map.of("reason", "${0}")),
            new MapperConfig("intake.unavailable.*", "intake_unavailable", Map.of("reason", "${0}")));

    private PrometheusExposition() {}

    public static MetricsServlet servlet(MetricRegistry metrics)
    {
        // A registry of its own: the library's default one is a static shared by everything in the JVM.
        CollectorRegistry registry = new CollectorRegistry();
        registry.register(new DropwizardExports(metrics, new CustomMappingSampleBuilder(LABELLED)));
        return new MetricsServlet(registry);
    }
}
