package io.deliveryledger.app;

import io.dropwizard.core.cli.ConfiguredCommand;
import io.dropwizard.core.setup.Bootstrap;
import net.sourceforge.argparse4j.inf.Namespace;

/** {@code migrate config.yml}: applies the ClickHouse schema migrations and exits. */
final class MigrateCommand
        extends ConfiguredCommand<DeliveryLedgerConfiguration>
{
    MigrateCommand()
    {
        super("migrate", "Apply the ClickHouse schema migrations");
    }

    @Override
    protected void run(Bootstrap<DeliveryLedgerConfiguration> bootstrap, Namespace namespace, DeliveryLedgerConfiguration configuration)
    {
        ClickHouseFactory clickhouse = configuration.getClickhouse();
        int applied = clickhouse.buildMigrator().migrate();
        System.out.printf("Database %s at %s: %d migration(s) applied, schema is current.%n", clickhouse.getDatabase(), clickhouse.getUrl(), applied);
    }
}
