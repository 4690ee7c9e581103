package io.deliveryledger.app;

import com.clickhouse.client.api.Client;
import io.deliveryledger.analytics.ClickHouseQueries;
import io.deliveryledger.analytics.DeliveryStatistics;
import io.deliveryledger.api.ApiRequestLimit;
import io.deliveryledger.api.ErrorClosesConnectionFilter;
import io.deliveryledger.api.InvalidParameterExceptionMapper;
import io.deliveryledger.api.MessageResource;
import io.deliveryledger.api.OpenApiServlet;
import io.deliveryledger.api.ReportResource;
import io.deliveryledger.api.StatsResource;
import io.deliveryledger.event.LedgerRecordCodec;
import io.deliveryledger.health.ClickHouseHealthCheck;
import io.deliveryledger.health.DiskSpaceHealthCheck;
import io.deliveryledger.health.JournalHealthCheck;
import io.deliveryledger.health.Liveness;
import io.deliveryledger.health.PrometheusExposition;
import io.deliveryledger.intake.ForbiddenRequests;
import io.deliveryledger.intake.RegistrationResource;
import io.deliveryledger.intake.WebhookIntake;
import io.deliveryledger.intake.WebhookRequestReader;
import io.deliveryledger.intake.WebhookHandler;
import io.deliveryledger.journal.Journal;
import io.deliveryledger.reconcile.LedgerStates;
import io.deliveryledger.reconcile.ReconcileScheduler;
import io.deliveryledger.reconcile.ScheduleClaims;
import io.deliveryledger.reconcile.ReconcileServlet;
import io.deliveryledger.reconcile.Reconciler;
import io.deliveryledger.report.DeliveryReports;
import io.deliveryledger.report.ExportCommand;
import io.deliveryledger.schema.SchemaMigrator;
import io.deliveryledger.sink.BatchWriter;
import io.deliveryledger.sink.ForbiddenRequestWriter;
import io.deliveryledger.twilio.MessageResourceConverter;
import io.deliveryledger.twilio.WebhookParser;
import io.dropwizard.configuration.EnvironmentVariableSubstitutor;
import io.dropwizard.configuration.SubstitutingSourceProvider;
import io.dropwizard.core.Application;
import io.dropwizard.core.setup.Bootstrap;
import io.dropwizard.core.setup.Environment;
import io.dropwizard.lifecycle.AutoCloseableManager;
import io.dropwizard.lifecycle.Managed;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.util.component.LifeCycle;
import org.jdbi.v3.core.Jdbi;

import java.time.Clock;
import java.time.Duration;

/**
 * Wires the data path: Twilio webhook → {@link WebhookIntake} (signature, parsing) → {@link Journal}
 * (fsync, then 200) → {@link BatchWriter} → ClickHouse. Registrations ({@link RegistrationResource})
 * and {@link Reconciler} (Twilio's REST API) feed the same journal.
 */
public final class DeliveryLedgerApplication
        extends Application<DeliveryLedgerConfiguration>
{
    private static final Duration FORBIDDEN_REQUESTS_INTERVAL = Duration.ofSeconds(10);

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
        bootstrap.addCommand(new ReconcileCommand());
        bootstrap.addCommand(new BackfillCommand());
        bootstrap.addCommand(new ExportCommand());
        bootstrap.addCommand(new RebuildReadModelCommand());
        bootstrap.addCommand(new DrainCommand());
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
        // Managed before the batch writer, so that it is closed after the writer has stopped.
        Client clickhouseClient = clickhouse.buildClient();
        environment.lifecycle().manage(new AutoCloseableManager(clickhouseClient));
        Jdbi jdbi = clickhouse.buildDatabaseJdbi();
        SchemaMigrator migrator = clickhouse.buildMigrator();
        BatchWriter batchWriter = new BatchWriter(journal, codec, migrator, clickhouse.buildInsertHandles(), clickhouseClient, configuration.getBatchWriter().policy(), InstanceName.host(), clock, environment.metrics());
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

        ForbiddenRequests forbiddenRequests = new ForbiddenRequests();
        environment.lifecycle().manage(new ForbiddenRequestWriter(forbiddenRequests, clickhouse.buildInsertHandles(), FORBIDDEN_REQUESTS_INTERVAL));
        WebhookIntake intake = new WebhookIntake(
                configuration.getTwilio().buildSignatureVerifier(),
                new WebhookParser(),
                forbiddenRequests,
                journal,
                codec,
                configuration.getJournal().appendTimeout(),
                configuration.getJournal().retryAfter(),
                clock,
                environment.metrics(),
                configuration.getTwilio().isStoreInboundBody());
        WebhookRequestReader requestReader = new WebhookRequestReader(configuration.getTwilio().publicBaseUrl());
        // The API's reads wait on ClickHouse: a bounded number at once, on connections of their own, so that
        // however many arrive, webhooks keep their threads and the batch writer its connections.
        ApiFactory api = configuration.getApi();
        Client queryClient = clickhouse.buildClient(api.maxConcurrentRequests());
        environment.lifecycle().manage(new AutoCloseableManager(queryClient));
        // In front of Dropwizard's handlers, once it has built them and set the application's context
        // path: the webhook paths never reach the API's limit, gzip, request metrics, the servlet layer or Jersey.
        environment.lifecycle().addEventListener(new LifeCycle.Listener()
        {
            @Override
            public void lifeCycleStarting(LifeCycle server)
            {
                String contextPath = environment.getApplicationContext().getContextPath();
                WebhookHandler webhooks = new WebhookHandler(requestReader, intake, contextPath);
                webhooks.insertInto((Server) server);
                ApiRequestLimit apiRequestLimit = api.buildRequestLimit(contextPath, environment.getObjectMapper());
                apiRequestLimit.insertBehind(webhooks);
                environment.metrics().registerGauge("api.requests.received", apiRequestLimit::received);
                environment.metrics().registerGauge("api.requests.queued", apiRequestLimit::queued);
                environment.metrics().registerGauge("api.requests.refused", apiRequestLimit::refused);
            }
        });

        // Registrations (Twilio's create-call answers) take the callbacks' path: journal, then ClickHouse.
        environment.jersey().register(new RegistrationResource(
                configuration.getTwilio().authTokensByAccount().keySet(),
                new MessageResourceConverter(),
                journal,
                codec,
                environment.getObjectMapper(),
                configuration.getJournal().appendTimeout(),
                configuration.getJournal().retryAfter(),
                clock,
                environment.metrics()));

        // Reconciliation writes what Twilio's API says into the same journal.
        ReconcileFactory reconcile = configuration.getReconcile();
        LedgerStates ledgerStates = new LedgerStates(jdbi, clickhouse.buildInsertHandles());
        Reconciler reconciler = reconcile.build(configuration.getTwilio(), migrator, ledgerStates, journal, codec, clock, environment.metrics());
        if (reconcile.isSchedule()) {
            environment.lifecycle().manage(new ReconcileScheduler(reconciler, ledgerStates, new ScheduleClaims(migrator, jdbi, clickhouse.buildInsertHandles(), InstanceName.create()), reconcile.interval(), clock));
        }
        environment.admin().addServlet("reconcile", new ReconcileServlet(reconciler, environment.getObjectMapper())).addMapping("/tasks/reconcile");

        // The read model follows status_events, whoever wrote to it; the statistics below read it.
        ReadModelFactory readModel = configuration.getReadModel();
        readModel.schedule(readModel.buildApplier(clickhouseClient, migrator, environment.getObjectMapper(), environment.metrics(), clock), environment, clock);
        ClickHouseQueries queries = new ClickHouseQueries(queryClient, environment.getObjectMapper());
        DeliveryStatistics statistics = new DeliveryStatistics(queries, environment.getObjectMapper(), reconcile.lookback(), clock);
        // The filter applies to every Jersey resource: everything under /api, whatever its annotations.
        environment.jersey().register(api.buildAuthFilter());
        environment.jersey().register(new ErrorClosesConnectionFilter());
        environment.jersey().register(new InvalidParameterExceptionMapper());
        environment.jersey().register(new StatsResource(statistics, clock));
        environment.jersey().register(new MessageResource(statistics));
        environment.jersey().register(new ReportResource(new DeliveryReports(queries, statistics), clock));
        // The API's contract, public: a servlet, so the bearer filter on the Jersey resources leaves it out.
        environment.servlets().addServlet("openapi", new OpenApiServlet()).addMapping(OpenApiServlet.PATH);

        environment.healthChecks().register("clickhouse", new ClickHouseHealthCheck(jdbi));
        environment.healthChecks().register("journal", new JournalHealthCheck(journal, batchWriter));
        environment.healthChecks().register("disk", new DiskSpaceHealthCheck(journal.directory(), configuration.getJournal().minFreeSpaceBytes()));
        // Liveness (the container's health check) leaves ClickHouse out: while it is down, the journal takes the callbacks.
        environment.admin().addServlet("liveness", Liveness.servlet(journal)).addMapping(Liveness.PATH);
        environment.admin().addServlet("prometheus", PrometheusExposition.servlet(environment.metrics())).addMapping(PrometheusExposition.PATH);
    }
}
