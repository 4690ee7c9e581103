package io.deliveryledger.app;

import com.clickhouse.client.api.Client;
import com.codahale.metrics.MetricRegistry;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.annotation.JsonProperty;
import io.deliveryledger.health.ReadModelHealthCheck;
import io.deliveryledger.readmodel.ReadModelApplier;
import io.deliveryledger.readmodel.ReadModelScheduler;
import io.deliveryledger.schema.SchemaMigrator;
import io.dropwizard.core.setup.Environment;
import io.dropwizard.util.Duration;
import io.dropwizard.validation.MaxDuration;
import io.dropwizard.validation.MinDuration;
import jakarta.validation.constraints.NotNull;

import java.time.Clock;
import java.util.concurrent.TimeUnit;

/**
 * The read model's applier: whether this process runs it, how long a slice of inserts settles before
 * it is applied (longer than an insert into status_events takes), and how often it looks for work.
 */
public final class ReadModelFactory
{
    private static final java.time.Duration MAXIMUM_HEALTHY_LAG = java.time.Duration.ofMinutes(5);

    /** Every instance may apply: concurrent appliers are harmless (see ReadModelApplier). */
    private boolean apply = true;

    @NotNull
    @MinDuration(value = 0, unit = TimeUnit.MILLISECONDS)
    @MaxDuration(value = 10, unit = TimeUnit.MINUTES)
    private Duration settleTime = Duration.seconds(3);

    @NotNull
    @MinDuration(value = 10, unit = TimeUnit.MILLISECONDS)
    private Duration interval = Duration.seconds(1);

    @JsonProperty
    public boolean isApply()
    {
        return apply;
    }

    @JsonProperty
    public void setApply(boolean apply)
    {
        this.apply = apply;
    }

    public java.time.Duration settleTime()
    {
        return settleTime.toJavaDuration();
    }

    @JsonProperty
    public void setSettleTime(Duration settleTime)
    {
        this.settleTime = settleTime;
    }

    @JsonProperty
    public void setInterval(Duration interval)
    {
        this.interval = interval;
    }

    public ReadModelApplier buildApplier(Client client, SchemaMigrator migrator, ObjectMapper objectMapper, MetricRegistry metrics, Clock clock)
    {
        return new ReadModelApplier(client, migrator, objectMapper, settleTime.toJavaDuration(), InstanceName.create(), clock, metrics);
    }

    /** Runs the applier in the server when {@code apply} is on, with a health check of its lag. */
    public void schedule(ReadModelApplier applier, Environment environment, Clock clock)
    {
        if (!apply) {
            return;
        }
        environment.healthChecks().register("read-model", new ReadModelHealthCheck(applier, MAXIMUM_HEALTHY_LAG, clock));
        environment.lifecycle().manage(new ReadModelScheduler(
                applier,
                environment.lifecycle().scheduledExecutorService("read-model-applier").threads(1).build(),
                interval.toJavaDuration()));
    }
}
