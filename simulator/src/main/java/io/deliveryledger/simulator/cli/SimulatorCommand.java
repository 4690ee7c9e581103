package io.deliveryledger.simulator.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code java -jar twilio-simulator.jar run|verify ...} */
@Command(name = "twilio-simulator",
        mixinStandardHelpOptions = true,
        description = "Simulated Twilio messaging: signed status callbacks with faults, the Messages REST API, and verification against ClickHouse.",
        subcommands = {RunCommand.class, VerifyCommand.class})
public final class SimulatorCommand
{
    // A name of its own, so that the service's tests, which have this module on their classpath, keep their logback-test.xml.
    private static final String LOGGING_CONFIGURATION = "twilio-simulator-logback.xml";

    private SimulatorCommand() {}

    public static void main(String[] arguments)
    {
        if (System.getProperty("logback.configurationFile") == null) {
            System.setProperty("logback.configurationFile", LOGGING_CONFIGURATION);
        }
        System.exit(new CommandLine(new SimulatorCommand()).execute(arguments));
    }
}
