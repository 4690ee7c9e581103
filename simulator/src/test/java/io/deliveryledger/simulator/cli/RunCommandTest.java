package io.deliveryledger.simulator.cli;

import io.deliveryledger.simulator.testing.CallbackReceiver;
import io.deliveryledger.simulator.truth.TruthFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

final class RunCommandTest
{
    private static final String ACCOUNT = "AC" + "7".repeat(32);
    private static final String OTHER_ACCOUNT = "AC" + "8".repeat(32);

    @Test
    void runsTheTrafficWritesTheTruthAndStopsAfterServeSeconds(@TempDir Path directory)
    {
        Path truth = directory.resolve("truth.jsonl");
        try (CallbackReceiver receiver = new CallbackReceiver(Map.of(ACCOUNT, "token-7", OTHER_ACCOUNT, "token-8"), 500)) {
            StringWriter output = new StringWriter();
            int exitCode = new CommandLine(SimulatorCommand.class).setOut(new PrintWriter(output)).execute("run",
                    "--target", receiver.url("/twilio/status?campaign=cli").toString(),
                    "--account-sid", ACCOUNT, "--auth-token", "token-7",
                    "--account-sid", OTHER_ACCOUNT, "--auth-token", "token-8",
                    "--messages", "40", "--rate", "200", "--step-delay-ms", "1-10", "--duplicate", "0.2",
                    "--api-port", "0", "--truth", truth.toString(), "--serve-seconds", "0");
            assertThat(exitCode).isZero();
            long distinctCallbacks = receiver.callbacks().stream().map(callback -> callback.idempotencyToken().orElseThrow()).distinct().count();
            assertThat(output.toString().lines().toList()).hasSize(3);
            assertThat(output.toString()).containsPattern("api: http://127\\.0\\.0\\.1:\\d+")
                    .contains("traffic: 40 messages, %d callbacks sent".formatted(distinctCallbacks))
                    .contains("api: 0 requests");
            assertThat(TruthFile.read(truth)).hasSize(40);
            assertThat(receiver.callbacks()).allSatisfy(callback -> assertThat(callback.validSignature()).isTrue());
            assertThat(receiver.callbacks()).extracting(callback -> callback.form().get("AccountSid")).contains(ACCOUNT, OTHER_ACCOUNT);
        }
    }

    @Test
    void rejectsUnpairedAccountsAndBadValuesNamingTheOption()
    {
        assertUsageError("--account-sid and --auth-token must be given the same number of times, got 2 and 1",
                "--account-sid", ACCOUNT, "--account-sid", OTHER_ACCOUNT, "--auth-token", "t");
        assertUsageError("drop must be a probability from 0 to 1, got: 1.5", "--account-sid", ACCOUNT, "--auth-token", "t", "--drop", "1.5");
        assertUsageError("Unknown outcome 'bounced'", "--account-sid", ACCOUNT, "--auth-token", "t", "--mix", "delivered=1,bounced=2");
        assertUsageError("Account SID must be AC followed by 32 hex digits, got: AC1", "--account-sid", "AC1", "--auth-token", "t");
    }

    private static void assertUsageError(String message, String... accountAndOptions)
    {
        StringWriter errors = new StringWriter();
        String[] arguments = new String[accountAndOptions.length + 3];
        arguments[0] = "run";
        arguments[1] = "--target";
        arguments[2] = "http://127.0.0.1:1/";
        System.arraycopy(accountAndOptions, 0, arguments, 3, accountAndOptions.length);
        assertThat(new CommandLine(SimulatorCommand.class).setErr(new PrintWriter(errors)).execute(arguments)).isEqualTo(CommandLine.ExitCode.USAGE);
        assertThat(errors.toString()).contains(message);
    }
}
