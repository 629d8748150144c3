// Deferred answers: a handler may answer after it has returned, from any thread, without holding a pool thread.
//
// Every request gets an HTTPResponder; the first `send` wins. If the handler sent before returning, the response
// is queued at once. If not, the wrapper suspends the connection (MHD_suspend_connection, allowed only inside the
// access handler) and the pool thread goes back to serving others; a later `send` stores the response and
// resumes the connection (MHD_resume_connection, allowed from any thread), and MHD calls the access handler
// again, which queues the stored response.
//
// One lock per server (`DeferredAnswers.lock`) orders it all: a connection is suspended while holding it, so a
// `send` can never resume a connection that is not suspended yet, and stop() finds every suspended connection.
// libmicrohttpd requires each suspended connection to be resumed before MHD_stop_daemon (one left suspended
// leaks, or panics in later releases), so stop() first resumes them all with no response; the shutdown closes
// them (a pool thread that reaches one first answers 503), a handler returning during the stop answers 503 rather
// than suspending, and a `send` after that is ignored: it never touches a connection MHD may have freed.
import CMicroHTTPD
import Foundation

/// Answers one request, now or later, from any thread. Only the first `send` counts; later ones are ignored, and
/// so is a `send` after the server stopped.
public final class HTTPResponder: @unchecked Sendable {
    // @unchecked: `phase` and `response` are only used while holding `answers.lock`; the rest is immutable.
    // `connection` is only handed to MHD while `phase` says the connection is suspended (hence still alive).
    private let answers: DeferredAnswers
    private let connection: OpaquePointer
    private var phase = Phase.handling
    private var response: HTTPServerResponse?

    private enum Phase {
        /// The handler is running on an MHD thread.
        case handling
        /// The handler returned without answering; the connection waits, suspended.
        case suspended
        /// Resumed (by `send`, or by stop() without a response); MHD will call the access handler again.
        case resumed
        /// The response is queued, or the request ended: nothing more to do.
        case done
    }

    init(answers: DeferredAnswers, connection: OpaquePointer) {
        self.answers = answers
        self.connection = connection
    }

    /// Answers the request with `response`, unless it was answered already or the server stopped.
    public func send(_ response: HTTPServerResponse) {
        answers.lock.withLock {
            guard self.response == nil, phase != .done else { return }
            self.response = response
            if phase == .suspended {
                answers.suspended[ObjectIdentifier(self)] = nil
                phase = .resumed
                MHD_resume_connection(connection)
            }
        }
    }

    /// Called by the access handler once the handler returned: the response to queue now, or nil when the
    /// connection was suspended to wait for `send`.
    func handlerReturned() -> HTTPServerResponse? {
        answers.lock.withLock {
            if let response {
                phase = .done
                return response
            }
            if answers.stopping {
                phase = .done
                return serverStopping
            }
            phase = .suspended
            answers.suspended[ObjectIdentifier(self)] = self
            MHD_suspend_connection(connection)
            return nil
        }
    }

    /// Called by the access handler when MHD calls it again: the response to queue if the connection was
    /// resumed (503 when stop() resumed it without one), nil otherwise.
    func resumedResponse() -> HTTPServerResponse? {
        answers.lock.withLock {
            guard phase == .resumed else { return nil }
            phase = .done
            return response ?? serverStopping
        }
    }

    /// The request ended (answered, failed or closed by the shutdown): later sends are ignored.
    func requestEnded() {
        answers.lock.withLock {
            phase = .done
            answers.suspended[ObjectIdentifier(self)] = nil
        }
    }

    /// stop(): resumes a suspended connection without a response, so that MHD_stop_daemon may close it.
    fileprivate func resumeForStop() {
        guard phase == .suspended else { return }
        phase = .resumed
        MHD_resume_connection(connection)
    }
}

/// The server-wide side of deferred answers: the lock every responder's phase changes under, the suspended
/// connections, and whether stop() has begun.
final class DeferredAnswers: @unchecked Sendable {
    // @unchecked: `stopping` and `suspended` are only used while holding `lock`.
    let lock = NSLock()
    var stopping = false
    var suspended: [ObjectIdentifier: HTTPResponder] = [:]

    /// Makes every suspended connection resumable by MHD_stop_daemon and stops further suspensions.
    func resumeAllForStop() {
        lock.withLock {
            stopping = true
            for responder in suspended.values { responder.resumeForStop() }
            suspended.removeAll()
        }
    }
}

private let serverStopping = HTTPServerResponse.text(503, "the server is stopping\n")
