package io.collab.realtime;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.ContinuationWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.net.impl.ConnectionBase;
import io.vertx.core.net.impl.VertxHandler;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;

/**
 * The RFC 6455 checks of inbound frames that Vert.x 5.0.7 leaves out, in a socket's Netty pipeline just before
 * Vert.x's own handler (so after any permessage-deflate inflater):
 *
 * <ul>
 *   <li>A text message must be valid UTF-8 (§8.1), across its fragments. Vert.x decodes text leniently (bad bytes
 *       became U+FFFD, and inside a JSON string they were relayed). A violation closes the socket with 1007; the
 *       frame and every data frame after it are dropped, so nothing of the message is read.</li>
 *   <li>A close frame's code must be one an endpoint may send (§7.4). Netty's decoder refuses some bad codes itself
 *       (below 1000, 1004–1006, 1015–2999: {@code Session.onFailure} closes with 1002), but lets 5000 and up
 *       through, and Vert.x echoes whatever code came. Such a frame reaches Vert.x as a close with 1002, which
 *       Vert.x then echoes.</li>
 * </ul>
 *
 * <p>Violations are not thrown down the pipeline: Vert.x closes the TCP connection right after any exception, and a
 * client still sending then gets a reset that can swallow the close frame. Here the close is a normal closing
 * handshake. Vert.x has no public way to the pipeline (vertx-web even wraps the socket); its connection class
 * {@link ConnectionBase} has one. {@code WebSocketProtocolErrorsTest} fails if a Vert.x upgrade moves it.
 */
final class FrameChecks extends ChannelInboundHandlerAdapter {

  private static final ByteBuffer NOTHING = ByteBuffer.allocate(0);
  /**
   * A strict decoder and the buffer its text goes to, to be dropped (only whether it decodes matters), one per event
   * loop thread rather than per socket: an idle socket holds none of it. A decode never spans two calls (the bytes
   * of a character cut by a fragment's end are kept in {@link #cut}), so sockets can share them.
   */
  private static final ThreadLocal<Decoding> DECODING = ThreadLocal.withInitial(Decoding::new);

  private static final class Decoding {
    final CharsetDecoder utf8 = StandardCharsets.UTF_8.newDecoder()
        .onMalformedInput(CodingErrorAction.REPORT)
        .onUnmappableCharacter(CodingErrorAction.REPORT);
    final CharBuffer discard = CharBuffer.allocate(1024);
  }

  private final Context context;
  private final Consumer<CloseCode> close;
  /** The bytes of a character cut by the end of the previous fragment. */
  private ByteBuffer cut = NOTHING;
  /** A text message's fragments are still coming. */
  private boolean inText;
  private boolean violated;

  private FrameChecks(Context context, Consumer<CloseCode> close) {
    this.context = context;
    this.close = close;
  }

  /**
   * Adds the checks to the connection of a socket just upgraded, before it reads a frame; {@code close} is run on the
   * calling Vert.x context to close the socket when a check fails.
   */
  static void install(HttpConnection upgraded, Consumer<CloseCode> close) {
    ChannelPipeline pipeline = ((ConnectionBase) upgraded).channel().pipeline();
    pipeline.addBefore(pipeline.context(VertxHandler.class).name(), "collab-frame-checks",
        new FrameChecks(Vertx.currentContext(), close));
  }

  /**
   * Whether a close frame may carry {@code code} (RFC 6455 §7.4.1, and the IANA registry for 1012–1014): 1005, 1006
   * and 1015 are reserved for reporting, 1004 and 1016–2999 are unassigned, 5000 and up are not status codes.
   */
  private static boolean validCloseCode(int code) {
    return (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014) || (code >= 3000 && code <= 4999);
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (msg instanceof CloseWebSocketFrame frame) {
      ctx.fireChannelRead(validCloseCode(frame) ? frame : protocolError(frame));
    } else if (msg instanceof TextWebSocketFrame || msg instanceof BinaryWebSocketFrame
        || msg instanceof ContinuationWebSocketFrame) {
      onData(ctx, (WebSocketFrame) msg);
    } else {
      ctx.fireChannelRead(msg);  // ping and pong, also between the fragments of a message
    }
  }

  private void onData(ChannelHandlerContext ctx, WebSocketFrame frame) {
    if (violated) {
      frame.release();  // what the client sent before it read the close
    } else if (!validText(frame)) {
      frame.release();
      violated = true;
      context.runOnContext(v -> close.accept(CloseCode.INVALID_PAYLOAD));
    } else {
      ctx.fireChannelRead(frame);
    }
  }

  private static boolean validCloseCode(CloseWebSocketFrame frame) {
    ByteBuf body = frame.content();
    return body.readableBytes() < 2 || validCloseCode(body.getUnsignedShort(body.readerIndex()));
  }

  /** The close frame Vert.x gets instead of one with an invalid code: it answers with the same, 1002. */
  private static CloseWebSocketFrame protocolError(CloseWebSocketFrame frame) {
    frame.release();
    return new CloseWebSocketFrame(CloseCode.PROTOCOL_ERROR.code, CloseCode.PROTOCOL_ERROR.reason);
  }

  /** Whether a data frame is no text, or text that is UTF-8 so far (the whole message, once it is final). */
  private boolean validText(WebSocketFrame frame) {
    if (frame instanceof TextWebSocketFrame) {
      cut = NOTHING;
    } else if (!(frame instanceof ContinuationWebSocketFrame && inText)) {
      inText = false;
      return true;
    }
    inText = !frame.isFinalFragment();
    return decodes(frame.content(), frame.isFinalFragment());
  }

  private boolean decodes(ByteBuf content, boolean last) {
    if (!cut.hasRemaining() && content.forEachByte(b -> b >= 0) == -1) {
      return true;  // all ASCII, the usual JSON message: valid whatever follows, nothing to decode
    }
    ByteBuffer in = content.nioBuffer();  // a view: the frame's own indexes stay as they are
    if (cut.hasRemaining()) {
      in = ByteBuffer.allocate(cut.remaining() + in.remaining()).put(cut).put(in).flip();
    }
    Decoding decoding = DECODING.get();
    CharsetDecoder utf8 = decoding.utf8.reset();
    CharBuffer discard = decoding.discard;
    CoderResult result;
    do {
      discard.clear();
      result = utf8.decode(in, discard, last);
    } while (result.isOverflow());
    if (result.isError()) {
      return false;
    }
    if (last) {
      discard.clear();
      return !utf8.flush(discard).isError() && !in.hasRemaining();
    }
    // at most 3 bytes: the start of a character that the next fragment completes; copied, the frame is released
    cut = in.hasRemaining() ? ByteBuffer.allocate(in.remaining()).put(in).flip() : NOTHING;
    return true;
  }
}
