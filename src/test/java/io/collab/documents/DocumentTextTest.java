package io.collab.documents;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

@DisplayName("DocumentText: the stored form, size and storability of a file's text")
class DocumentTextTest {

  @Test
  @DisplayName("utf8Bytes counts as the UTF-8 encoding does: 1 to 4 bytes per character, a surrogate pair as 4")
  void utf8Bytes() {
    for (String text : new String[] {"", "a", "é", "€", "😀", "a😀b€é", "\n\t", "ファイル"}) {
      assertThat(DocumentText.utf8Bytes(text)).as(text).isEqualTo(text.getBytes(StandardCharsets.UTF_8).length);
    }
  }

  @Test
  @DisplayName("line breaks become \\n as CodeMirror holds them; text without \\r is returned as it is")
  void normalized() {
    assertThat(DocumentText.normalized("a\r\nb\rc\nd")).isEqualTo("a\nb\nc\nd");
    assertThat(DocumentText.normalized("\r\n\r\n")).isEqualTo("\n\n");
    String plain = "no carriage returns\n";
    assertThat(DocumentText.normalized(plain)).isSameAs(plain);
  }

  @Test
  @DisplayName("NUL and unpaired surrogates cannot be stored; paired surrogates can")
  void unstorable() {
    assertThat(DocumentText.unstorable("fine 😀")).isNull();
    assertThat(DocumentText.unstorable("a\0b")).contains("NUL");
    assertThat(DocumentText.unstorable("a\ud83db")).contains("surrogate");
    assertThat(DocumentText.unstorable("\ude00")).contains("surrogate");
    assertThat(DocumentText.unstorable("end\ud83d")).contains("surrogate");
  }
}
