package io.deliveryledger.app;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.dropwizard.core.Configuration;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotNull;

public final class DeliveryLedgerConfiguration
        extends Configuration
{
    @Valid
    @NotNull
    private TwilioFactory twilio = new TwilioFactory();

    @Valid
    @NotNull
    private ClickHouseFactory clickhouse = new ClickHouseFactory();

    @Valid
    @NotNull
    private JournalFactory journal = new JournalFactory();

    @Valid
    @NotNull
    private BatchWriterFactory batchWriter = new BatchWriterFactory();

    @Valid
    @NotNull
    private ReconcileFactory reconcile = new ReconcileFactory();

    @JsonProperty
    public ReconcileFactory getReconcile()
    {
        return reconcile;
    }

    @JsonProperty
    public void setReconcile(ReconcileFactory reconcile)
    {
        this.reconcile = reconcile;
    }

    @Valid
    @NotNull
    private ApiFactory api = new ApiFactory();

    @Valid
    @NotNull
    private ReadModelFactory readModel = new ReadModelFactory();

    @JsonProperty
    public ReadModelFactory getReadModel()
    {
        return readModel;
    }

    @JsonProperty
    public void setReadModel(ReadModelFactory readModel)
    {
        this.readModel = readModel;
    }

    @JsonProperty
    public ApiFactory getApi()
    {
        return api;
    }

    @JsonProperty
    public void setApi(ApiFactory api)
    {
        this.api = api;
    }

    @JsonProperty
    public TwilioFactory getTwilio()
    {
        return twilio;
    }

    @JsonProperty
    public void setTwilio(TwilioFactory twilio)
    {
        this.twilio = twilio;
    }

    @JsonProperty
    public ClickHouseFactory getClickhouse()
    {
        return clickhouse;
    }

    @JsonProperty
    public void setClickhouse(ClickHouseFactory clickhouse)
    {
        this.clickhouse = clickhouse;
    }

    @JsonProperty
    public JournalFactory getJournal()
    {
        return journal;
    }

    @JsonProperty
    public void setJournal(JournalFactory journal)
    {
        this.journal = journal;
    }

    @JsonProperty
    public BatchWriterFactory getBatchWriter()
    {
        return batchWriter;
    }

    @JsonProperty
    public void setBatchWriter(BatchWriterFactory batchWriter)
    {
        this.batchWriter = batchWriter;
    }
}
