package io.deliveryledger.simulator.cli;

import io.deliveryledger.simulator.Verifier;
import io.deliveryledger.simulator.VerifyReport;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;

@Command(name = "verify", mixinStandardHelpOptions = true,
        description = "Compares a truth file with message_status in ClickHouse; exit code 0 when every message matches, 1 otherwise.")
final class VerifyCommand
        implements Callable<Integer>
{
    private static final int LISTED_MISMATCHES = 50;

    @Spec
    private CommandSpec spec;

    @Option(names = "--truth", required = true, description = "Truth file written by run.")
    private Path truth;

    @Option(names = "--clickhouse-url", required = true, description = "ClickHouse HTTP interface, e.g. http://127.0.0.1:8123, or a jdbc:clickhouse: URL.")
    private String clickhouseUrl;

    @Option(names = "--clickhouse-database", defaultValue = "ledger", description = "Database (default: ${DEFAULT-VALUE}).")
    private String database;

    @Option(names = "--clickhouse-user", defaultValue = "default", description = "User (default: ${DEFAULT-VALUE}).")
    private String user;

    @Option(names = "--clickhouse-password", defaultValue = "", description = "Password (default: empty).")
    private String password;

    @Override
    public Integer call()
    {
        VerifyReport report = Verifier.verify(truth, clickhouseUrl, database, user, password);
        PrintWriter out = spec.commandLine().getOut();
        report.mismatches().stream().limit(LISTED_MISMATCHES).forEach(out::println);
        if (report.mismatches().size() > LISTED_MISMATCHES) {
            out.printf("... and %d more%n", report.mismatches().size() - LISTED_MISMATCHES);
        }
        out.println(report.summaryLine());
        out.flush();
        return report.allMatch() ? 0 : 1;
    }
}
