package io.deliveryledger.app;

import com.clickhouse.client.api.Client;
import com.codahale.metrics.MetricRegistry;
import io.deliveryledger.readmodel.ReadModelApplier;
import io.deliveryledger.readmodel.ReadModelApplier.BuildResult;
import io.dropwizard.core.cli.ConfiguredCommand;
import io.dropwizard.core.setup.Bootstrap;
import net.sourceforge.argparse4j.impl.Arguments;
import net.sourceforge.argparse4j.inf.Namespace;
import net.sourceforge.argparse4j.inf.Subparser;

import java.time.Clock;
import java.time.Duration;

/**
 * {@code rebuild-read-model config.yml [--force]}: empties the read model and counts every message of
 * status_events again. The services' appliers must be stopped meanwhile (readModel.apply: false, or
 * the services stopped); it refuses while one applied a slice in the last two minutes, unless forced.
 */
final class RebuildReadModelCommand
        extends ConfiguredCommand<DeliveryLedgerConfiguration>
{
    private static final Duration ACTIVE_WITHIN = Duration.ofMinutes(2);

    RebuildReadModelCommand()
    {
        super("rebuild-read-model", "Rebuild the counts of messages by status (the read model) from status_events");
    }

    @Override
    public void configure(Subparser subparser)
    {
        super.configure(subparser);
        subparser.addArgument("--force")
                .action(Arguments.storeTrue())
                .help("rebuild even though an applier applied a slice within the last two minutes");
    }

    @Override
    protected void run(Bootstrap<DeliveryLedgerConfiguration> bootstrap, Namespace namespace, DeliveryLedgerConfiguration configuration)
            throws Exception
    {
        ClickHouseFactory clickhouse = configuration.getClickhouse();
        try (Client client = clickhouse.buildClient()) {
            ReadModelApplier applier = configuration.getReadModel().buildApplier(client, clickhouse.buildMigrator(), bootstrap.getObjectMapper(), new MetricRegistry(), Clock.systemUTC());
            BuildResult result = applier.rebuild(ACTIVE_WITHIN, namespace.getBoolean("force"));
            System.out.printf("Read model of database %s rebuilt: %d messages counted in %d s.%n", clickhouse.getDatabase(), result.messages(), result.took().toSeconds());
        }
    }
}
