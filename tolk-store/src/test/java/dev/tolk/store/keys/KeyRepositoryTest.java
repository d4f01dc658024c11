package dev.tolk.store.keys;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tolk.core.keys.BudgetPeriod;
import dev.tolk.core.keys.KeyLimits;
import dev.tolk.store.Database;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Keys in a real SQLite file. */
class KeyRepositoryTest {
    private static final KeyLimits LIMITS = new KeyLimits(2, 60, 100_000, 1_000_000, BudgetPeriod.WEEK, 3,
            List.of("claude-*", "*haiku*"));

    @TempDir
    Path dir;

    @Test
    void aKeyIsStoredByTheHashOfItsSecretAndSurvivesAReopen() throws Exception {
        Path file = dir.resolve("tolk.db");
        String secret;
        try (Database db = Database.open(file.toString())) {
            KeyRepository.Created created = new KeyRepository(db).create("alice", LIMITS, 1_000);
            secret = created.secret();
            assertThat(secret).startsWith("tolk_").hasSize(5 + 43);
            assertThat(created.key().secretSha256()).isEqualTo(KeySecrets.sha256Hex(secret));
        }
        assertThat(new String(Files.readAllBytes(file), java.nio.charset.StandardCharsets.ISO_8859_1)
                + readWal(file)).doesNotContain(secret);
        try (Database db = Database.open(file.toString())) {
            StoredKey k = new KeyRepository(db).find("alice").orElseThrow();
            assertThat(k.limits()).isEqualTo(LIMITS);
            assertThat(k.secretSha256()).isEqualTo(KeySecrets.sha256Hex(secret));
            assertThat(k.createdAt()).isEqualTo(1_000);
            assertThat(k.revoked()).isFalse();
        }
    }

    private static String readWal(Path file) throws Exception {
        Path wal = Path.of(file + "-wal");
        return Files.exists(wal) ? new String(Files.readAllBytes(wal), java.nio.charset.StandardCharsets.ISO_8859_1) : "";
    }

    @Test
    void updateReplacesLimitsRevokeKeepsTheKeyListedAndNamesAreNotReused() {
        try (Database db = Database.open(dir.resolve("tolk.db").toString())) {
            KeyRepository keys = new KeyRepository(db);
            keys.create("bob", KeyLimits.NONE, 1_000);
            keys.create("alice", KeyLimits.NONE, 1_000);
            assertThat(keys.update("bob", LIMITS, 2_000).orElseThrow().limits()).isEqualTo(LIMITS);
            assertThat(keys.update("nobody", LIMITS, 2_000)).isEmpty();
            StoredKey revoked = keys.revoke("bob", 3_000).orElseThrow();
            assertThat(revoked.revokedAt()).isEqualTo(3_000L);
            assertThat(keys.revoke("bob", 4_000).orElseThrow().revokedAt()).isEqualTo(3_000L);
            assertThat(keys.list()).extracting(StoredKey::name).containsExactly("alice", "bob");
            assertThatThrownBy(() -> keys.update("bob", LIMITS, 5_000)).isInstanceOf(KeyRepository.KeyRevoked.class);
            assertThatThrownBy(() -> keys.create("bob", KeyLimits.NONE, 5_000))
                    .isInstanceOf(KeyRepository.KeyExists.class);
            assertThatThrownBy(() -> keys.create("bad name", KeyLimits.NONE, 5_000))
                    .isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> keys.create("api-key-1", KeyLimits.NONE, 5_000))
                    .isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Test
    void theDirectoryFindsValidKeysByDigestAndForgetsRevokedOnesOnItsNextRefresh() {
        try (Database db = Database.open(dir.resolve("tolk.db").toString())) {
            KeyRepository keys = new KeyRepository(db);
            KeyDirectory directory = new KeyDirectory(() -> keys);
            assertThat(directory.refresh()).isTrue();
            assertThat(directory.hasKeys()).isFalse();
            String secret = keys.create("carol", LIMITS, 1_000).secret();
            assertThat(directory.byDigest(KeySecrets.sha256Hex(secret))).isNull();
            directory.refresh();
            assertThat(directory.hasKeys()).isTrue();
            assertThat(directory.byDigest(KeySecrets.sha256Hex(secret)).name()).isEqualTo("carol");
            assertThat(directory.byDigest(KeySecrets.sha256Hex(secret)).limits()).isEqualTo(LIMITS);
            assertThat(directory.find(secret).name()).isEqualTo("carol");
            assertThat(directory.find("tolk_other")).isNull();
            keys.revoke("carol", 2_000);
            directory.refresh();
            assertThat(directory.byDigest(KeySecrets.sha256Hex(secret))).isNull();
            assertThat(directory.hasKeys()).as("a revoked key still closes the gateway").isTrue();
            assertThat(directory.size()).isZero();
        }
    }

    @Test
    void aDirectoryWhoseStoreFailsKeepsTheKeysItHad() {
        Database db = Database.open(dir.resolve("tolk.db").toString());
        KeyRepository keys = new KeyRepository(db);
        String secret = keys.create("dave", KeyLimits.NONE, 1_000).secret();
        KeyDirectory directory = new KeyDirectory(() -> keys);
        directory.refresh();
        db.close();
        assertThat(directory.refresh()).isFalse();
        assertThat(directory.byDigest(KeySecrets.sha256Hex(secret)).name()).isEqualTo("dave");
    }
}
