package io.deliveryledger.app;

import com.clickhouse.client.api.Client;
import io.deliveryledger.analytics.ClickHouseQueries;
import io.deliveryledger.analytics.DeliveryStatistics;
import io.deliveryledger.api.InvalidParameterExceptionMapper;
import io.deliveryledger.api.MessageResource;
import io.deliveryledger.api.ReportResource;
import io.deliveryledger.api.StatsResource;
import io.deliveryledger.event.LedgerRecordCodec;
import io.deliveryledger.health.ClickHouseHealthCheck;
import io.deliveryledger.health.DiskSpaceHealthCheck;
import io.deliveryledger.health.JournalHealthCheck;
import io.deliveryledger.intake.Webhook.WebhookKind;
import io.deliveryledger.intake.WebhookIntake;
import io.deliveryledger.intake.WebhookRequestReader;
import io.deliveryledger.intake.WebhookServlet;
import io.deliveryledger.journal.Journal;
import io.deliveryledger.report.DeliveryReports;
import io.deliveryledger.report.ExportCommand;
import io.deliveryledger.sink.BatchWriter;
import io.deliveryledger.twilio.WebhookParser;
import io.dropwizard.configuration.EnvironmentVariableSubstitutor;
import io.dropwizard.configuration.SubstitutingSourceProvider;
import io.dropwizard.core.Application;
import io.dropwizard.core.setup.Bootstrap;
import io.dropwizard.core.setup.Environment;
import io.dropwizard.lifecycle.AutoCloseableManager;
import io.dropwizard.lifecycle.Managed;
import jakarta.servlet.ServletRegistration;
import org.jdbi.v3.core.Jdbi;

import java.time.Clock;

/**
 * Wires the data path: Twilio webhook → {@link WebhookIntake} (signature, parsing) → {@link Journal}
 * (fsync, then 200) → {@link BatchWriter} → ClickHouse.
 */
public final class DeliveryLedgerApplication
        extends Application<DeliveryLedgerConfiguration>
{
    public static void main(String[] args)
            throws Exception
    {
        new DeliveryLedgerApplication().run(args);
    }

    @Override
    public String getName()
    {
        return "delivery-ledger";
    }

    @Override
    public void initialize(Bootstrap<DeliveryLedgerConfiguration> bootstrap)
    {
        // ${NAME:-default} in config.yml reads the environment; an unset variable without default is an error.
        bootstrap.setConfigurationSourceProvider(new SubstitutingSourceProvider(bootstrap.getConfigurationSourceProvider(), new EnvironmentVariableSubstitutor(true)));
        bootstrap.addCommand(new MigrateCommand());
        bootstrap.addCommand(new ExportCommand());
    }

    @Override
    public void run(DeliveryLedgerConfiguration configuration, Environment environment)
            throws Exception
    {
        Clock clock = Clock.systemUTC();
        LedgerRecordCodec codec = new LedgerRecordCodec();

        Journal journal = configuration.getJournal().open(environment.metrics());
        environment.lifecycle().manage(new AutoCloseableManager(journal));

        ClickHouseFactory clickhouse = configuration.getClickhouse();
        Jdbi jdbi = clickhouse.buildDatabaseJdbi();
        BatchWriter batchWriter = new BatchWriter(journal, codec, clickhouse.buildMigrator(), clickhouse.buildInsertHandles(), configuration.getBatchWriter().policy(), clock, environment.metrics());
        environment.lifecycle().manage(new Managed()
        {
            @Override
            public void start()
            {
                batchWriter.start();
            }

            @Override
            public void stop()
                    throws InterruptedException
            {
                batchWriter.stop();
            }
        });

        WebhookIntake intake = new WebhookIntake(
                configuration.getTwilio().buildSignatureVerifier(),
                new WebhookParser(),
                journal,
                codec,
                configuration.getJournal().appendTimeout(),
                configuration.getJournal().retryAfter(),
                clock,
                environment.metrics());
        WebhookRequestReader requestReader = new WebhookRequestReader(configuration.getTwilio().publicBaseUrl());
        for (WebhookKind kind : WebhookKind.values()) {
            ServletRegistration.Dynamic servlet = environment.servlets().addServlet(kind.endpoint(), new WebhookServlet(kind, requestReader, intake));
            servlet.setAsyncSupported(true);
            servlet.addMapping(kind.endpoint());
        }

        Client clickhouseClient = clickhouse.buildClient();
        environment.lifecycle().manage(new AutoCloseableManager(clickhouseClient));
        ClickHouseQueries queries = new ClickHouseQueries(clickhouseClient, environment.getObjectMapper());
        DeliveryStatistics statistics = new DeliveryStatistics(queries, environment.getObjectMapper());
        // The filter applies to every Jersey resource: everything under /api, whatever its annotations.
        environment.jersey().register(configuration.getApi().buildAuthFilter());
        environment.jersey().register(new InvalidParameterExceptionMapper());
        environment.jersey().register(new StatsResource(statistics, clock));
        environment.jersey().register(new MessageResource(statistics));
        environment.jersey().register(new ReportResource(new DeliveryReports(queries, statistics), clock));

        environment.healthChecks().register("clickhouse", new ClickHouseHealthCheck(jdbi));
        environment.healthChecks().register("journal", new JournalHealthCheck(journal, batchWriter));
        environment.healthChecks().register("disk", new DiskSpaceHealthCheck(journal.directory(), configuration.getJournal().minFreeSpaceBytes()));
    }
}
