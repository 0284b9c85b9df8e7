package io.collab.documents;

/**
 * A push made at a version that other clients' updates have since moved past. Not an error in the push: the client
 * receives those updates (which map its own over them, as {@code receiveUpdates} does), then pushes again. Nothing was
 * applied. See {@link Authority#push} for why the server does not map the push itself.
 */
public final class StalePushException extends RuntimeException {

  public StalePushException(int othersSincePushVersion) {
    super(othersSincePushVersion + " update(s) by other clients were accepted since the pushed version;"
        + " receive them and push again");
  }
}
