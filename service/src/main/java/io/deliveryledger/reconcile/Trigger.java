package io.deliveryledger.reconcile;

/** What started a reconciliation run; recorded with the run. */
public enum Trigger
{
    SCHEDULE("schedule"),
    TASK("task"),
    COMMAND("command"),
    BACKFILL("backfill");

    private final String columnValue;

    Trigger(String columnValue)
    {
        this.columnValue = columnValue;
    }

    public String columnValue()
    {
        return columnValue;
    }
}
