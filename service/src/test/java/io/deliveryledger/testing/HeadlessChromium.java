package io.deliveryledger.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static java.util.Objects.requireNonNull;

/**
 * Chromium without a display, as found or installed by {@code scripts/test}, which names it in the
 * environment variable {@code CHROMIUM} (so that a browser elsewhere than in {@code /usr/bin}, as on macOS,
 * is used too): renders a local HTML file into its DOM or a screenshot. Screenshots are kept under
 * {@code target/test-artifacts/}.
 */
public final class HeadlessChromium
{
    private static final List<String> CANDIDATES = List.of("/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome");
    private static final long TIMEOUT_SECONDS = 60;

    private final Path executable;

    private HeadlessChromium(Path executable)
    {
        this.executable = requireNonNull(executable, "executable is null");
    }

    public static HeadlessChromium find()
    {
        String named = System.getenv("CHROMIUM");
        if (named != null && !named.isBlank()) {
            Path executable = Path.of(named);
            if (!Files.isExecutable(executable)) {
                throw new IllegalStateException("CHROMIUM names %s, which is not an executable file".formatted(executable));
            }
            return new HeadlessChromium(executable);
        }
        return CANDIDATES.stream()
                .map(Path::of)
                .filter(Files::isExecutable)
                .findFirst()
                .map(HeadlessChromium::new)
                .orElseThrow(() -> new IllegalStateException("Chromium is not installed (looked for %s; CHROMIUM may name another): scripts/test installs it with apt-get install chromium or says how".formatted(CANDIDATES)));
    }

    /** The DOM after rendering, as Chromium serialises it. */
    public String dumpDom(Path html)
            throws IOException, InterruptedException
    {
        return new String(run(List.of("--dump-dom", html.toUri().toString())), StandardCharsets.UTF_8);
    }

    /** Saves a screenshot as {@code target/test-artifacts/<name>} and returns its path. */
    public Path screenshot(Path html, String name)
            throws IOException, InterruptedException
    {
        Path screenshot = Files.createDirectories(Path.of("target", "test-artifacts")).resolve(name).toAbsolutePath();
        Files.deleteIfExists(screenshot);
        run(List.of("--screenshot=" + screenshot, "--window-size=1280,2000", html.toUri().toString()));
        if (!Files.exists(screenshot)) {
            throw new IllegalStateException("Chromium wrote no screenshot to " + screenshot);
        }
        return screenshot;
    }

    private byte[] run(List<String> arguments)
            throws IOException, InterruptedException
    {
        Path profile = Files.createTempDirectory("chromium-profile");
        List<String> command = new ArrayList<>(List.of(executable.toString(), "--headless", "--no-sandbox", "--disable-gpu",
                "--disable-background-networking", "--no-first-run", "--user-data-dir=" + profile));
        command.addAll(arguments);
        Path output = Files.createTempFile("chromium", ".out");
        Path errors = Files.createTempFile("chromium", ".err");
        Process process = new ProcessBuilder(command).redirectOutput(output.toFile()).redirectError(errors.toFile()).start();
        if (!process.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new IllegalStateException("Chromium did not finish within %d s: %s".formatted(TIMEOUT_SECONDS, command));
        }
        if (process.exitValue() != 0) {
            throw new IllegalStateException("Chromium failed (%d): %s%n%s".formatted(process.exitValue(), command, Files.readString(errors)));
        }
        byte[] result = Files.readAllBytes(output);
        Files.delete(output);
        Files.delete(errors);
        return result;
    }
}
