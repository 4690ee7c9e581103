package io.deliveryledger.bench.profile;

import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordedStackTrace;
import jdk.jfr.consumer.RecordingFile;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Prints the execution samples of a JDK Flight Recorder recording as collapsed stacks ("frame;frame;...
 * count", root first, flamegraph.pl's input), one line per distinct stack. Reads the recording with the
 * JDK's own parser: `jfr print` of JDK 17 and 25 fails on some hidden-class frames.
 *
 * <pre>java bench/src/main/java/io/deliveryledger/bench/profile/CollapsedStacks.java RECORDING.jfr [SINCE_EPOCH_MILLIS]</pre>
 *
 * With SINCE_EPOCH_MILLIS, only samples taken from then on (bench/run passes the start of the measurements,
 * so the warm-up's JIT compilation and start-up are left out).
 */
public final class CollapsedStacks
{
    private CollapsedStacks() {}

    public static void main(String[] arguments)
            throws IOException
    {
        if (arguments.length < 1 || arguments.length > 2) {
            System.err.println("usage: CollapsedStacks RECORDING.jfr [SINCE_EPOCH_MILLIS]");
            System.exit(2);
        }
        Instant since = arguments.length == 2 ? Instant.ofEpochMilli(Long.parseLong(arguments[1])) : Instant.MIN;
        Map<String, Long> counts = new HashMap<>();
        try (RecordingFile recording = new RecordingFile(Path.of(arguments[0]))) {
            while (recording.hasMoreEvents()) {
                RecordedEvent event = recording.readEvent();
                if (event.getEventType().getName().equals("jdk.ExecutionSample") && event.getStackTrace() != null && !event.getStartTime().isBefore(since)) {
                    counts.merge(collapse(event.getStackTrace()), 1L, Long::sum);
                }
            }
        }
        PrintStream out = System.out;
        counts.forEach((stack, count) -> out.println(stack + " " + count));
    }

    private static String collapse(RecordedStackTrace trace)
    {
        List<RecordedFrame> frames = trace.getFrames();
        StringBuilder stack = new StringBuilder();
        for (int i = frames.size() - 1; i >= 0; i--) {
            RecordedFrame frame = frames.get(i);
            if (stack.length() > 0) {
                stack.append(';');
            }
            // Spaces and semicolons are the format's separators.
            stack.append((frame.getMethod().getType().getName() + "." + frame.getMethod().getName()).replace(' ', '_').replace(';', ':'));
        }
        return stack.toString();
    }
}
