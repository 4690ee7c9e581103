package io.deliveryledger.health;

import com.codahale.metrics.health.HealthCheckRegistry;
import com.codahale.metrics.health.jvm.ThreadDeadlockHealthCheck;
import io.deliveryledger.journal.Journal;
import io.dropwizard.metrics.servlets.HealthCheckServlet;

/**
 * The admin port's liveness endpoint, for the container's health check and a liveness probe: healthy
 * while the process can take callbacks durably, whatever ClickHouse does. While ClickHouse is down
 * the journal absorbs the callbacks, and restarting the service then would only interrupt that. The
 * admin {@code /healthcheck} stays the readiness check (ClickHouse, journal backlog, disk, read model).
 * Answers as {@code /healthcheck} does: 200 when every check is healthy, else 500, with the results in JSON.
 */
public final class Liveness
{
    public static final String PATH = "/healthcheck/live";

    private Liveness() {}

    public static HealthCheckServlet servlet(Journal journal)
    {
        HealthCheckRegistry checks = new HealthCheckRegistry();
        checks.register("journal-writer", new JournalWriterHealthCheck(journal));
        // A deadlocked process answers nothing: a restart is the remedy.
        checks.register("deadlocks", new ThreadDeadlockHealthCheck());
        return new HealthCheckServlet(checks);
    }
}
