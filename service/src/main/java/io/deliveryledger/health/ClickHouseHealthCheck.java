package io.deliveryledger.health;

import com.codahale.metrics.health.HealthCheck;
import org.jdbi.v3.core.Jdbi;

import static java.util.Objects.requireNonNull;

/** ClickHouse answers a query. While it doesn't, callbacks still land in the journal. */
public final class ClickHouseHealthCheck
        extends HealthCheck
{
    private final Jdbi jdbi;

    public ClickHouseHealthCheck(Jdbi jdbi)
    {
        this.jdbi = requireNonNull(jdbi, "jdbi is null");
    }

    @Override
    protected Result check()
    {
        String version = jdbi.withHandle(handle -> handle.createQuery("SELECT version()").mapTo(String.class).one());
        return Result.healthy("ClickHouse " + version);
    }
}
