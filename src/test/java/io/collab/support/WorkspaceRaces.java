package io.collab.support;

import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.client.HttpResponse;

import java.util.List;
import java.util.function.IntFunction;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;

/** Requests to the workspace API sent all at once, for the tests of what the service does when they race. */
public final class WorkspaceRaces {

  private WorkspaceRaces() {}

  /** Sends {@code count} requests at once ({@code send} makes the i-th) and waits for all; the answers in that order. */
  public static List<HttpResponse<Buffer>> atOnce(int count, IntFunction<Future<HttpResponse<Buffer>>> send) {
    List<Future<HttpResponse<Buffer>>> inFlight = IntStream.range(0, count).mapToObj(send).toList();
    Future.join(inFlight).await();
    return inFlight.stream().map(Future::result).toList();
  }

  /**
   * Exactly {@code winners} of {@code answers} have {@code won}; every other has {@code lost} with the error code
   * {@code code}.
   */
  public static void assertWinners(List<HttpResponse<Buffer>> answers, int won, int winners, int lost, String code) {
    List<Integer> statuses = answers.stream().map(HttpResponse::statusCode).toList();
    assertThat(statuses).as("winners among %s", statuses).filteredOn(status -> status == won).hasSize(winners);
    assertThat(statuses).as("losers among %s", statuses).filteredOn(status -> status == lost).hasSize(answers.size() - winners);
    answers.stream().filter(answer -> answer.statusCode() == lost)
        .forEach(answer -> assertThat(answer.bodyAsJsonObject().getString("error")).isEqualTo(code));
  }
}
