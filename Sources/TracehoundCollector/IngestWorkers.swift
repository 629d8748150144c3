// The threads that decode, validate and commit batches, apart from the HTTP server's threads.
//
// libmicrohttpd binds each connection to one pool thread, so a handler that blocks stalls every connection of its
// thread: a long-poll answered meanwhile, a health probe, a batch that should be refused at once. Ingest blocks
// (decompressing megabytes, then a commit with fsync or a network round trip to PostgreSQL), so the server's
// threads only check the request's head and hand the batch to these workers; the worker answers through the
// deferred responder once the commit returned.
//
// Bounded: `count` workers, and at most `capacity` batches waiting for one. Beyond that `submit` refuses and the
// collector answers 503 with Retry-After, so memory stays within (count + capacity) bodies plus `count` decoded
// batches however many agents post at once.
import Foundation

final class IngestWorkers: @unchecked Sendable {
    // @unchecked: `jobs`, `head`, `stopped` and `idleWorkers` are only used while holding `condition`.
    private let condition = NSCondition()
    /// The queue: jobs before `head` were taken (the array is compacted now and then).
    private var jobs: [@Sendable () -> Void] = []
    private var head = 0
    private var stopped = false
    /// Workers waiting for a job: a job handed to one of them does not wait.
    private var idleWorkers = 0
    let count: Int
    let capacity: Int

    init(count: Int, capacity: Int) {
        precondition(count >= 1 && capacity >= 0)
        self.count = count
        self.capacity = capacity
        for index in 0..<count {
            let thread = Thread { [self] in work() }
            thread.name = "tracehound-collector.ingest-\(index)"
            thread.start()
        }
    }

    /// Queues `job` for the next free worker; false when `capacity` jobs already wait or the workers stopped.
    func submit(_ job: @escaping @Sendable () -> Void) -> Bool {
        condition.withLock {
            guard !stopped, jobs.count - head < capacity + idleWorkers else { return false }
            jobs.append(job)
            condition.signal()
            return true
        }
    }

    /// Lets the workers finish every queued job, then end. Idempotent; does not wait.
    func stop() {
        condition.withLock {
            stopped = true
            condition.broadcast()
        }
    }

    private func work() {
        while let job = next() { job() }
    }

    private func next() -> (@Sendable () -> Void)? {
        condition.withLock {
            while head == jobs.count {
                if stopped { return nil }
                idleWorkers += 1
                condition.wait()
                idleWorkers -= 1
            }
            let job = jobs[head]
            head += 1
            if head > 64 && head * 2 > jobs.count {
                jobs.removeFirst(head)
                head = 0
            }
            return job
        }
    }
}
