package dev.tolk.server.keys;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tolk.server.cli.TolkMain;
import dev.tolk.store.Database;
import dev.tolk.store.keys.KeyRepository;
import dev.tolk.store.keys.KeySecrets;
import dev.tolk.store.keys.StoredKey;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code tolk keys …} against a real SQLite file. */
class KeysCommandTest {
    @TempDir
    Path dir;

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
    void createPrintsTheSecretAloneOnTheLastLineAndStoresOnlyItsHash() {
        String db = dir.resolve("tolk.db").toString();
        String[] r = run("keys", "create", "alice", "--db", db, "--max-concurrent", "2", "--requests-per-minute", "30",
                "--tokens-per-minute", "50000", "--budget-tokens", "1000000", "--budget-period", "week",
                "--priority", "3", "--models", "claude-sonnet-*,*haiku*");
        assertThat(r[0]).as(r[2]).isEqualTo("0");
        String[] lines = r[1].strip().split("\n");
        String secret = lines[lines.length - 1];
        assertThat(secret).matches("tolk_[A-Za-z0-9_-]{43}");
        try (Database d = Database.open(db)) {
            StoredKey k = new KeyRepository(d).find("alice").orElseThrow();
            assertThat(k.secretSha256()).isEqualTo(KeySecrets.sha256Hex(secret));
            assertThat(k.limits().maxConcurrent()).isEqualTo(2);
            assertThat(k.limits().requestsPerMinute()).isEqualTo(30);
            assertThat(k.limits().tokensPerMinute()).isEqualTo(50_000);
            assertThat(k.limits().budgetTokens()).isEqualTo(1_000_000);
            assertThat(k.limits().priority()).isEqualTo(3);
            assertThat(k.limits().models()).containsExactly("claude-sonnet-*", "*haiku*");
        }
        String[] list = run("keys", "list", "--db", db);
        assertThat(list[1]).contains("alice").contains("valid").doesNotContain(secret);
        String[] show = run("keys", "show", "alice", "--db", db);
        assertThat(show[1]).contains("1000000 tokens a week").doesNotContain(secret);
    }

    @Test
    void updateChangesOnlyTheNamedLimitsAndRevokeMarksTheKey() {
        String db = dir.resolve("tolk.db").toString();
        assertThat(run("keys", "create", "bob", "--db", db, "--max-concurrent", "4")[0]).isEqualTo("0");
        assertThat(run("keys", "update", "bob", "--db", db, "--priority", "2")[0]).isEqualTo("0");
        assertThat(run("keys", "show", "bob", "--db", db, "--json")[1]).contains("\"max_concurrent\" : 4")
                .contains("\"priority\" : 2");
        assertThat(run("keys", "update", "bob", "--db", db, "--budget-tokens", "10")[0])
                .as("a budget without a period").isEqualTo("2");
        assertThat(run("keys", "update", "bob", "--db", db)[0]).isEqualTo("2");
        assertThat(run("keys", "revoke", "bob", "--db", db)[0]).isEqualTo("0");
        assertThat(run("keys", "list", "--db", db)[1]).contains("revoked");
        assertThat(run("keys", "update", "bob", "--db", db, "--priority", "3")[0]).isEqualTo("1");
        assertThat(run("keys", "create", "bob", "--db", db)[2]).contains("exists already");
        String[] missing = run("keys", "revoke", "nobody", "--db", db);
        assertThat(missing[0]).isEqualTo("1");
        assertThat(missing[2]).contains("no key named nobody");
    }

    @Test
    void configAndDoctorShowTheStoreWithoutItsPassword() {
        String[] pg = run("config", "--db", "postgresql://tolk:s3cret@127.0.0.1:1/tolk");
        assertThat(pg[1]).contains("postgresql://tolk:***@127.0.0.1:1/tolk").doesNotContain("s3cret");
        assertThat(run("config", "--db", "none")[1]).contains("db:").contains("none (no store");
        assertThat(run("config")[1]).containsPattern("db: +\\S*tolk\\.db");

        ByteArrayOutputStream o = new ByteArrayOutputStream();
        int failed = dev.tolk.server.cli.DoctorCommand.checkStore("postgresql://tolk:s3cret@127.0.0.1:1/tolk",
                new PrintStream(o, true));
        assertThat(failed).isEqualTo(1);
        assertThat(o.toString()).contains("Store: postgresql://127.0.0.1:1/tolk").contains("FAIL")
                .doesNotContain("s3cret");
        String db = dir.resolve("tolk.db").toString();
        run("keys", "create", "erin", "--db", db);
        run("keys", "create", "frank", "--db", db);
        run("keys", "revoke", "frank", "--db", db);
        o.reset();
        assertThat(dev.tolk.server.cli.DoctorCommand.checkStore(db, new PrintStream(o, true))).isZero();
        assertThat(o.toString()).contains("OK    open (sqlite), 1 keys and 1 revoked");
    }
}
