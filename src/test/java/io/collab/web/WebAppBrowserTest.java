package io.collab.web;

import io.collab.support.TestApp;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The browser app end to end: Debian's Chromium, driven by playwright-core from Node's test runner over
 * {@code web/e2e/*.test.mjs}, against two real instances sharing PostgreSQL, Redis and the JWT secret. Instance B
 * issues access tokens that live {@value #SHORT_ACCESS_TTL} s, so the pages on it keep refreshing them.
 *
 * <p>Needs the app built into {@code target/classes/webroot} (the build does it before tests, unless
 * {@code -Dweb.skip=true}), Node 20 and {@code /usr/bin/chromium} ({@code .ci/run} installs it). Run a subset with
 * {@code -Dweb.e2e=e2e/account.test.mjs}; refresh the README's screenshots with {@code -Dweb.screenshots=true}.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@DisplayName("The browser app works end to end in Chromium against two instances")
class WebAppBrowserTest {

  static final int SHORT_ACCESS_TTL = 6;
  private static final Path WEB = Path.of("web").toAbsolutePath();
  private static final Path CHROMIUM = Path.of(System.getProperty("web.chromium", "/usr/bin/chromium"));

  private TestApp first;
  private TestApp second;

  @BeforeAll
  void deploy() {
    assumeTrue(!Boolean.getBoolean("web.skip"), "built with -Dweb.skip=true: no app to test");
    assumeTrue(Files.isExecutable(CHROMIUM), "no Chromium at " + CHROMIUM + " (apt-get install chromium)");
    assertThat(Path.of("target/classes/webroot/index.html")).as("the built app").exists();
    assertThat(WEB.resolve("node_modules/playwright-core")).as("npm ci has run in web/").exists();
    first = TestApp.start();
    second = TestApp.start(config -> {
      config.getJsonObject("pg").put("url", first.config.getJsonObject("pg").getString("url"));
      config.getJsonObject("redis").put("url", first.config.getJsonObject("redis").getString("url"));
      config.getJsonObject("jwt").put("secret", first.config.getJsonObject("jwt").getString("secret"))
          .put("accessTtlSeconds", SHORT_ACCESS_TTL);
    });
  }

  @AfterAll
  void undeploy() {
    if (second != null) {
      second.stop();
    }
    if (first != null) {
      first.stop();
    }
  }

  @Test
  @DisplayName("every scenario of web/e2e passes (node --test)")
  void scenarios() throws IOException, InterruptedException {
    List<String> command = new ArrayList<>(List.of("node", "--test", "--test-concurrency=1", "--test-reporter=spec"));
    command.addAll(List.of(System.getProperty("web.e2e", "e2e/").split(",")));
    ProcessBuilder builder = new ProcessBuilder(command).directory(WEB.toFile()).redirectErrorStream(true);
    builder.environment().put("COLLAB_E2E_A", "http://127.0.0.1:" + first.port);
    builder.environment().put("COLLAB_E2E_B", "http://127.0.0.1:" + second.port);
    builder.environment().put("COLLAB_E2E_B_ACCESS_TTL", String.valueOf(SHORT_ACCESS_TTL));
    builder.environment().put("COLLAB_E2E_CHROMIUM", CHROMIUM.toString());
    // Screenshots go to target/ on every run; -Dweb.screenshots=true refreshes the README's in docs/images
    // (kept out of ordinary runs, which would otherwise leave changed pictures in every working tree).
    Path images = Boolean.getBoolean("web.screenshots") ? Path.of("docs/images") : Path.of("target/e2e-images");
    builder.environment().put("COLLAB_E2E_IMAGES", images.toAbsolutePath().toString());
    Process node = builder.start();
    StringBuilder output = new StringBuilder();
    try (BufferedReader lines = new BufferedReader(new InputStreamReader(node.getInputStream(), StandardCharsets.UTF_8))) {
      String line;
      while ((line = lines.readLine()) != null) {
        System.out.println("[e2e] " + line);
        output.append(line).append('\n');
      }
    }
    boolean ended = node.waitFor(15, TimeUnit.MINUTES);
    if (!ended) {
      node.destroyForcibly();
    }
    assertThat(ended).as("the browser tests ended in time").isTrue();
    assertThat(node.exitValue()).as("node --test exit code; its output:\n%s", output).isZero();
  }
}
