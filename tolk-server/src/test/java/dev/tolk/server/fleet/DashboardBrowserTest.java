package dev.tolk.server.fleet;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tolk.core.dispatch.RoutingPolicy;
import dev.tolk.server.TolkServer;
import dev.tolk.sim.SimOptions;
import java.io.File;
import java.io.IOException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Level;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.Cookie;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.logging.LoggingPreferences;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The dashboard in a real browser: Debian's headless Chromium, driven through chromedriver by Selenium, against a
 * gateway with an admin key in front of three simulated vLLM instances with live traffic. The login form sets the
 * HttpOnly cookie (the key never in a URL), the page shows the three upstreams, its numbers move, a running stream and
 * a bad request's error appear, the page logs no JavaScript error, and logging out closes it again. The screenshot
 * goes to {@code -Dtolk.dashboard.screenshot=PATH} (relative to the repository; {@code docs/dashboard.png} is made
 * this way), else {@code target/dashboard.png}.
 *
 * <p>Skipped without {@code chromium} and {@code chromedriver} (TOLK_CHROMIUM, TOLK_CHROMEDRIVER, else /usr/bin),
 * unless {@code CI} or {@code TOLK_REQUIRE_CHROMIUM} is set: then it fails. {@code .ci/run} installs both.
 */
class DashboardBrowserTest {
    private static final String ADMIN_KEY = "admin-key-for-the-browser-test-7f3a";
    /** Two client keys: the access line and the dashboard name them api-key-1 and api-key-2. */
    private static final List<String> CLIENT_KEYS = List.of("client-key-team-a-51c2", "client-key-team-b-9d04");
    private static final String SYSTEM = "You are a careful coding assistant working in a large Java repository. "
            .repeat(12);
    private static final Duration WAIT = Duration.ofSeconds(20);

    private static FleetFixture fleet;
    private static TolkServer tolk;
    private static ChromeDriver browser;
    private static Path profile;
    private static Thread traffic;
    private static final AtomicBoolean stop = new AtomicBoolean();
    private static final AtomicInteger sent = new AtomicInteger();

    @BeforeAll
    static void start() throws IOException {
        File chromium = new File(envOr("TOLK_CHROMIUM", "/usr/bin/chromium"));
        File driver = new File(envOr("TOLK_CHROMEDRIVER", "/usr/bin/chromedriver"));
        if (!chromium.canExecute() || !driver.canExecute()) {
            String missing = "chromium (" + chromium + ") and chromedriver (" + driver + ") are needed: "
                    + "apt-get install chromium chromium-driver";
            if (System.getenv("CI") != null || System.getenv("TOLK_REQUIRE_CHROMIUM") != null) {
                throw new AssertionError(missing);
            }
            Assumptions.abort(missing);
        }
        // streams of about two seconds (40 chunks, 50 ms apart), so that some are always running
        // with vLLM's cached-token usage, so that the cache share of each session's growing conversation shows
        fleet = new FleetFixture(3, SimOptions.builder().chunkDelayMillis(50).defaultChunks(40)
                .promptTokensDetails(true).build());
        tolk = fleet.tolk(fleet.upstreams(), RoutingPolicy.BOUNDED_AFFINITY,
                b -> b.adminKey(ADMIN_KEY).apiKeys(CLIENT_KEYS));

        profile = Files.createTempDirectory("tolk-chromium");
        ChromeOptions options = new ChromeOptions();
        options.setBinary(chromium);
        // without the background-networking switches Chromium keeps calling Google's services
        options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-default-apps", "--disable-extensions", "--hide-scrollbars", "--force-device-scale-factor=1",
                "--user-data-dir=" + profile, "--window-size=1440,1000");
        LoggingPreferences logs = new LoggingPreferences();
        logs.enable(LogType.BROWSER, Level.ALL);
        options.setCapability("goog:loggingPrefs", logs);
        ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(driver)
                .usingAnyFreePort().withLogOutput(System.err).build();
        browser = new ChromeDriver(service, options);
        browser.manage().timeouts().pageLoadTimeout(WAIT);
    }

    @AfterAll
    static void stop() throws Exception {
        stop.set(true);
        if (traffic != null) {
            traffic.join(30_000);
        }
        if (browser != null) {
            browser.quit();
        }
        if (fleet != null) {
            fleet.close();
        }
        if (profile != null) {
            try (var files = Files.walk(profile)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    @Test
    void anOperatorLogsInAndWatchesTheFleetLive() throws Exception {
        String base = tolk.baseUri().toString();

        // without the cookie the dashboard sends the browser to the login form
        browser.get(base + "/dashboard");
        waitFor(() -> browser.getCurrentUrl().endsWith("/dashboard/login"));
        type("key", "not-the-admin-key");
        browser.findElement(By.id("login")).click();
        waitFor(() -> !browser.findElements(By.id("problem")).isEmpty());
        assertThat(browser.findElement(By.id("problem")).getText()).contains("not the admin key");
        assertThat(browser.manage().getCookieNamed("tolk_admin")).isNull();

        type("key", ADMIN_KEY);
        browser.findElement(By.id("login")).click();
        waitFor(() -> browser.getCurrentUrl().endsWith("/dashboard"));
        browser.manage().logs().get(LogType.BROWSER); // the wrong key's 401 was expected: only later entries count
        Cookie session = browser.manage().getCookieNamed("tolk_admin");
        assertThat(session).isNotNull();
        assertThat(session.isHttpOnly()).isTrue();
        assertThat(session.getSameSite()).isEqualTo("Strict");
        assertThat(session.getValue()).doesNotContain(ADMIN_KEY);
        assertThat(browser.getCurrentUrl()).doesNotContain(ADMIN_KEY);
        assertThat((String) js("return document.cookie")).doesNotContain("tolk_admin"); // HttpOnly: not for scripts
        // the key was never in a URL: going back leads to the login form's URL, without the key
        assertThat((String) js("return window.location.href + ' ' + document.referrer")).doesNotContain(ADMIN_KEY);

        // the fleet: one card per upstream, each up
        waitFor(() -> browser.findElements(By.cssSelector("#upstreams .upstream")).size() == 3);
        for (String name : List.of("sim0", "sim1", "sim2")) {
            WebElement card = browser.findElement(By.cssSelector("#upstreams .upstream[data-name='" + name + "']"));
            assertThat(card.getText()).contains(name).contains("up");
        }
        String before = text("total-requests");

        startTraffic();
        // a live number changes without reloading the page, and the streams in flight show up with their tokens
        waitFor(() -> !text("total-requests").equals(before) && count(text("total-requests")) >= 3);
        waitFor(() -> !browser.findElements(By.cssSelector("#streams tbody tr.stream")).isEmpty());
        waitFor(() -> browser.findElements(By.cssSelector("#streams td.tokens-so-far")).stream()
                .anyMatch(td -> td.getText().matches("[0-9,]+") && count(td.getText()) > 0));
        waitFor(() -> browser.findElement(By.id("sessions")).getText().contains("browser-session-"));
        waitFor(() -> !text("total-ttft").startsWith("–"));

        // a bad request: its error, with its request id, is in the latest errors
        HttpResponse<String> bad = fleet.http.send(HttpRequest.newBuilder(tolk.baseUri().resolve("/v1/messages"))
                .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"m\",\"max_tokens\":"))
                .header("content-type", "application/json").header("x-api-key", CLIENT_KEYS.get(1)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(bad.statusCode()).isEqualTo(400);
        String requestId = bad.headers().firstValue("request-id").orElseThrow();
        By errorRow = By.cssSelector("#errors tr[data-request-id='" + requestId + "']");
        waitFor(() -> !browser.findElements(errorRow).isEmpty());
        WebElement row = browser.findElement(errorRow);
        assertThat(row.getText()).contains("400").contains("invalid_request_error").contains(requestId);

        // for the screenshot in the docs: let the charts fill with a few minutes of traffic
        long warm = Long.getLong("tolk.dashboard.trafficSeconds", 0);
        long warmEnd = System.nanoTime() + Duration.ofSeconds(warm).toNanos();
        while (System.nanoTime() < warmEnd && traffic.isAlive()) {
            Thread.sleep(1000);
        }
        screenshot();
        assertThat(severeBrowserLogs()).as("JavaScript errors on the page").isEmpty();

        // logging out ends the session: the dashboard is behind the form again
        browser.findElement(By.cssSelector("#logout button")).click();
        waitFor(() -> browser.getCurrentUrl().endsWith("/dashboard/login"));
        browser.get(base + "/dashboard");
        waitFor(() -> browser.getCurrentUrl().endsWith("/dashboard/login"));
        assertThat(sent.get()).isPositive();
    }

    /**
     * Streaming Messages requests from nine sessions on two keys, three at a time, each session's conversation growing
     * turn by turn (so later turns hit the prefix cache), until the test ends (at most 2,000 requests or 10 min).
     */
    private static void startTraffic() {
        long end = System.nanoTime() + Duration.ofMinutes(10).toNanos();
        traffic = Thread.ofPlatform().name("dashboard-traffic").start(() -> {
            List<Thread> clients = new ArrayList<>();
            for (int c = 0; c < 3; c++) {
                int client = c;
                clients.add(Thread.ofVirtual().start(() -> {
                    for (int i = 0; !stop.get() && System.nanoTime() < end && sent.get() < 2000; i++) {
                        String s = "browser-session-" + (client * 3 + i % 3);
                        try {
                            HttpResponse<String> r = fleet.http.send(HttpRequest.newBuilder(
                                            tolk.baseUri().resolve("/v1/messages"))
                                    .POST(HttpRequest.BodyPublishers.ofString(conversation(s, i / 3)))
                                    .header("content-type", "application/json")
                                    .header("x-api-key", CLIENT_KEYS.get(client % 2))
                                    .header("x-claude-code-session-id", s).timeout(Duration.ofSeconds(30)).build(),
                                    HttpResponse.BodyHandlers.ofString());
                            if (r.statusCode() == 200) {
                                sent.incrementAndGet();
                            }
                        } catch (Exception e) {
                            return;
                        }
                    }
                }));
            }
            for (Thread t : clients) {
                try {
                    t.join();
                } catch (InterruptedException e) {
                    return;
                }
            }
        });
    }

    /** Session {@code s}'s turn {@code turn}: the same system prompt and every earlier turn, then a new question. */
    private static String conversation(String s, int turn) {
        StringBuilder messages = new StringBuilder();
        for (int t = 0; t <= turn; t++) {
            if (t > 0) {
                messages.append(",{\"role\":\"assistant\",\"content\":\"Done with step ").append(t - 1)
                        .append(".\"},");
            }
            messages.append("{\"role\":\"user\",\"content\":\"").append(s).append(": step ").append(t)
                    .append(", look at the next file and fix what is wrong.\"}");
        }
        return "{\"model\":\"claude-sonnet-4-5\",\"max_tokens\":200,\"stream\":true,\"system\":\"" + SYSTEM
                + "\",\"messages\":[" + messages + "]}";
    }

    private static void screenshot() throws IOException {
        String asked = System.getProperty("tolk.dashboard.screenshot");
        Path target = asked == null || asked.isBlank() ? Path.of("target", "dashboard.png") : repoRoot().resolve(asked);
        // the whole page, as tall as its content (a headless window is no taller than its screen; the viewport is)
        long height = ((Number) js("return Math.ceil(document.documentElement.scrollHeight)")).longValue();
        browser.executeCdpCommand("Emulation.setDeviceMetricsOverride", java.util.Map.of("width", 1440,
                "height", (int) Math.min(4000, height), "deviceScaleFactor", 1, "mobile", false));
        String shown = updated();
        waitFor(() -> !java.util.Objects.equals(shown, updated())); // redrawn at the new size
        Files.createDirectories(target.toAbsolutePath().getParent());
        Files.write(target, browser.getScreenshotAs(OutputType.BYTES));
        System.out.println("dashboard screenshot: " + target.toAbsolutePath());
    }

    private static String updated() {
        return browser.findElement(By.tagName("body")).getDomAttribute("data-updated");
    }

    private static Path repoRoot() {
        Path p = Path.of("").toAbsolutePath();
        while (p != null && !(Files.exists(p.resolve("pom.xml")) && Files.isDirectory(p.resolve("tolk-server")))) {
            p = p.getParent();
        }
        return p == null ? Path.of("").toAbsolutePath() : p;
    }

    private static List<String> severeBrowserLogs() {
        List<String> out = new ArrayList<>();
        for (LogEntry e : browser.manage().logs().get(LogType.BROWSER)) {
            if (e.getLevel().intValue() >= Level.SEVERE.intValue()) {
                out.add(e.getMessage());
            }
        }
        return out;
    }

    private static void type(String id, String text) {
        WebElement input = browser.findElement(By.id(id));
        input.clear();
        input.sendKeys(text);
    }

    private static String text(String id) {
        return browser.findElement(By.id(id)).getText();
    }

    private static long count(String shown) {
        String digits = shown.replaceAll("[^0-9]", "");
        return digits.isEmpty() ? -1 : Long.parseLong(digits);
    }

    private static Object js(String script) {
        return ((JavascriptExecutor) browser).executeScript(script);
    }

    private static void waitFor(java.util.function.BooleanSupplier condition) {
        new WebDriverWait(browser, WAIT, Duration.ofMillis(100)).until(d -> condition.getAsBoolean());
    }

    private static String envOr(String name, String otherwise) {
        String v = System.getenv(name);
        return v == null || v.isBlank() ? otherwise : v;
    }
}
