package dev.tolk.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tolk.server.cli.TolkMain;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import org.junit.jupiter.api.Test;

/** The command line: version, config printing with secrets masked, and errors with exit code 2. */
class CliTest {
    static String[] run(String... args) {
        PrintStream out = System.out;
        PrintStream err = System.err;
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        ByteArrayOutputStream e = new ByteArrayOutputStream();
        System.setOut(new PrintStream(o, true));
        System.setErr(new PrintStream(e, true));
        try {
            int code = TolkMain.commandLine().execute(args);
            return new String[] {Integer.toString(code), o.toString(), e.toString()};
        } finally {
            System.setOut(out);
            System.setErr(err);
        }
    }

    @Test
    void versionPrints() {
        assertThat(run("--version")[1]).startsWith("tolk ");
    }

    @Test
    void configPrintsEffectiveValuesWithSourcesAndMasksSecrets() {
        String[] r = run("config", "--upstream", "http://gpu:8000", "--api-key", "super-secret-key-123");
        assertThat(r[0]).isEqualTo("0");
        assertThat(r[1]).contains("upstream:").contains("http://gpu:8000/").contains("# flag");
        assertThat(r[1]).doesNotContain("super-secret-key-123").contains("sup…****");
    }

    @Test
    void aBadUpstreamUrlExitsWithCode2AndSaysWhy() {
        String[] r = run("serve", "--upstream", "not a url");
        assertThat(r[0]).isEqualTo("2");
        assertThat(r[2]).contains("upstream must be an http(s) URL");
    }
}
