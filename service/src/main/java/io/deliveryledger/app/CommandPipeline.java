package io.deliveryledger.app;

import com.clickhouse.client.api.Client;
import com.codahale.metrics.MetricRegistry;
import io.deliveryledger.event.LedgerRecordCodec;
import io.deliveryledger.journal.Journal;
import io.deliveryledger.readmodel.ReadModelApplier;
import io.deliveryledger.reconcile.LedgerStates;
import io.deliveryledger.reconcile.Reconciler;
import io.deliveryledger.schema.SchemaMigrator;
import io.deliveryledger.sink.BatchWriter;
import io.dropwizard.jackson.Jackson;

import java.io.IOException;
import java.time.Clock;

import static java.util.Objects.requireNonNull;

/**
 * The data path of a command that talks to Twilio: a journal of its own and a batch writer, so that
 * what a command learns reaches ClickHouse the way a callback does, deduplicated and acknowledged;
 * and the read model's applier, so that a command run while no server applies it reads current counts.
 */
final class CommandPipeline
        implements AutoCloseable
{
    private final Journal journal;
    private final BatchWriter batchWriter;
    private final Reconciler reconciler;
    private final LedgerStates ledger;
    private final Client client;
    private final ReadModelApplier readModel;

    private CommandPipeline(Journal journal, BatchWriter batchWriter, Reconciler reconciler, LedgerStates ledger, Client client, ReadModelApplier readModel)
    {
        this.journal = requireNonNull(journal, "journal is null");
        this.batchWriter = requireNonNull(batchWriter, "batchWriter is null");
        this.reconciler = requireNonNull(reconciler, "reconciler is null");
        this.ledger = requireNonNull(ledger, "ledger is null");
        this.client = requireNonNull(client, "client is null");
        this.readModel = requireNonNull(readModel, "readModel is null");
    }

    static CommandPipeline open(String command, DeliveryLedgerConfiguration configuration)
            throws IOException
    {
        Clock clock = Clock.systemUTC();
        MetricRegistry metrics = new MetricRegistry();
        LedgerRecordCodec codec = new LedgerRecordCodec();
        ClickHouseFactory clickhouse = configuration.getClickhouse();
        // Before the batch writer starts: the command reads the ledger's tables right away.
        SchemaMigrator migrator = clickhouse.buildMigrator();
        migrator.migrate();
        Journal journal = configuration.getJournal().openForCommand(command, metrics);
        Client client = clickhouse.buildClient();
        BatchWriter batchWriter = new BatchWriter(journal, codec, migrator, clickhouse.buildInsertHandles(), client, configuration.getBatchWriter().policy(), InstanceName.host(), clock, metrics);
        batchWriter.start();
        LedgerStates ledger = new LedgerStates(clickhouse.buildDatabaseJdbi(), clickhouse.buildInsertHandles());
        Reconciler reconciler = configuration.getReconcile().build(configuration.getTwilio(), migrator, ledger, journal, codec, clock, metrics);
        ReadModelApplier readModel = configuration.getReadModel().buildApplier(client, migrator, Jackson.newObjectMapper(), metrics, clock);
        return new CommandPipeline(journal, batchWriter, reconciler, ledger, client, readModel);
    }

    Reconciler reconciler()
    {
        return reconciler;
    }

    LedgerStates ledger()
    {
        return ledger;
    }

    /** Brings the read model up to what is stored, unless the configuration leaves it to the servers. */
    void applyReadModel(DeliveryLedgerConfiguration configuration)
    {
        if (configuration.getReadModel().isApply()) {
            readModel.applyAvailable();
        }
    }

    @Override
    public void close()
            throws InterruptedException, IOException
    {
        batchWriter.stop();
        journal.close();
        client.close();
    }
}
