// Shared helpers for tests: a throwaway PostgreSQL server that a test starts itself and stops afterwards.
//
// initdb into a fresh directory under /tmp, then the server listening ONLY on a Unix socket in that directory
// (listen_addresses = ''), so tests never touch a port or another server; `pg_ctl stop -m immediate` ends it.
// Durability is off (fsync, full_page_writes, synchronous_commit) because the data dies with the test; startup
// takes about a second.
//
// The postmaster runs as a child of the test rather than through `pg_ctl start`: Foundation's Process learns that a
// child exited when a socket it hands the child closes, and a daemonized postmaster inherits that socket, so waiting
// for `pg_ctl start` would last as long as the server.
//
// initdb and postgres refuse to run as root. Tests and CI run as root, so then every server command runs as the
// `postgres` system user (created by Debian's postgresql package) through runuser, and the directory is given to
// that user. As any other user the commands run directly.
import Foundation

/// Why the throwaway server could not be set up, started or stopped.
public struct PostgresServerError: Error, CustomStringConvertible {
    public var description: String
}

/// A PostgreSQL server in a temporary directory, reachable through `conninfo`; stopped and removed on `stop()`/deinit.
public final class PostgresServer {
    /// The temporary directory: the socket lives here, the cluster in `data/`, the server log in `server.log`.
    public let directory: String
    public let port = 5432
    /// The superuser the cluster was created with (connections are trusted on the socket).
    public let user = "postgres"
    public let database = "postgres"

    private let binDirectory: String
    /// ["runuser", "-u", "postgres", "--"] when running as root, else [].
    private let runAs: [String]
    /// The postmaster (or runuser, its parent, when running as root) while it runs.
    private var process: Process?

    /// libpq connection parameters for the server's socket.
    public var conninfo: String { "host=\(directory) port=\(port) user=\(user) dbname=\(database)" }

    /// The same as a postgresql:// URL (the socket directory goes in the `host` query parameter).
    public var url: String {
        let host = directory.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? directory
        return "postgresql://\(user)@/\(database)?host=\(host)&port=\(port)"
    }

    /// What the server logged so far (for failure messages).
    public var log: String {
        (try? String(contentsOfFile: directory + "/server.log", encoding: .utf8)) ?? ""
    }

    /// Creates a cluster and starts it; waits until it accepts connections (up to `timeout` seconds).
    public init(timeout: Double = 60) throws {
        binDirectory = try Self.findBinDirectory()
        let root = geteuid() == 0
        var owner: (uid: uid_t, gid: gid_t)?
        if root {
            guard let account = getpwnam("postgres") else {
                throw PostgresServerError(
                    description: "running as root, but there is no `postgres` system user to run PostgreSQL as: "
                        + "run scripts/bootstrap (it installs the postgresql package, which creates the user)"
                )
            }
            owner = (account.pointee.pw_uid, account.pointee.pw_gid)
            runAs = ["runuser", "-u", "postgres", "--"]
        } else {
            runAs = []
        }
        // Directly under /tmp: a socket path must fit in 107 bytes, and the postgres user must reach it.
        var template = Array("/tmp/tracehound-pg.XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else {
            throw PostgresServerError(description: "mkdtemp under /tmp failed: errno \(errno)")
        }
        directory = String(cString: made)
        if let owner, chown(directory, owner.uid, owner.gid) != 0 {
            throw PostgresServerError(description: "chown \(directory) to postgres failed: errno \(errno)")
        }
        do {
            try start(timeout: timeout)
        } catch {
            stopAndRemove()
            throw error
        }
    }

    deinit {
        stopAndRemove()
    }

    /// Stops the server at once (pg_ctl stop -m immediate) and removes its directory; calling it again does nothing.
    public func stop() throws {
        if let process {
            self.process = nil
            defer { process.waitUntilExit() }
            do {
                try server(["pg_ctl", "-D", directory + "/data", "-m", "immediate", "-w", "stop"], "pg_ctl stop")
            } catch {
                process.terminate()
                throw error
            }
        }
        if FileManager.default.fileExists(atPath: directory) {
            try FileManager.default.removeItem(atPath: directory)
        }
    }

    private func stopAndRemove() {
        try? stop()
        try? FileManager.default.removeItem(atPath: directory)
    }

    private func start(timeout: Double) throws {
        let data = directory + "/data"
        try server(
            [
                "initdb", "-D", data, "-U", user, "--auth=trust", "--no-sync", "--no-instructions", "-E", "UTF8",
                "--locale=C",
            ],
            "initdb"
        )
        let settings = """

            # tracehound tests: a Unix socket only, and no durability (the data dies with the test)
            listen_addresses = ''
            unix_socket_directories = '\(directory)'
            port = \(port)
            fsync = off
            full_page_writes = off
            synchronous_commit = off
            shared_buffers = 16MB
            max_connections = 20

            """
        let configuration = try FileHandle(forWritingTo: URL(fileURLWithPath: data + "/postgresql.conf"))
        try configuration.seekToEnd()
        try configuration.write(contentsOf: Data(settings.utf8))
        try configuration.close()

        let logPath = directory + "/server.log"
        guard FileManager.default.createFile(atPath: logPath, contents: nil),
            let log = FileHandle(forWritingAtPath: logPath)
        else { throw PostgresServerError(description: "cannot create \(logPath)") }
        defer { try? log.close() }
        let command = runAs + [binDirectory + "/postgres", "-D", data]
        let postmaster = Process()
        postmaster.executableURL = URL(fileURLWithPath: findExecutable(command[0]) ?? command[0])
        postmaster.arguments = Array(command.dropFirst())
        postmaster.currentDirectoryURL = URL(fileURLWithPath: directory)
        postmaster.standardInput = FileHandle.nullDevice
        postmaster.standardOutput = log
        postmaster.standardError = log
        try postmaster.run()
        process = postmaster

        let ready = binDirectory + "/pg_isready"
        try waitUntil("PostgreSQL accepting connections on \(directory)", timeout: timeout) {
            let probe = try runCommand([ready, "-q", "-h", directory, "-p", "\(port)", "-U", user, "-d", database])
            if probe.status == 0 { return true }
            if !postmaster.isRunning {
                process = nil
                throw PostgresServerError(
                    description: "PostgreSQL exited with status \(postmaster.terminationStatus); its log:\n\(self.log)"
                )
            }
            return false
        }
    }

    /// Runs a server program from the bin directory as the server's user, in the server's directory.
    @discardableResult
    private func server(_ arguments: [String], _ what: String) throws -> CommandResult {
        let command = runAs + [binDirectory + "/" + arguments[0]] + arguments.dropFirst()
        let result = try runCommand(command, directory: directory)
        guard result.status == 0 else {
            throw PostgresServerError(
                description: "\(what) exited \(result.status): \(result.stderrText)\(result.stdoutText)\n\(log)"
            )
        }
        return result
    }

    /// The newest /usr/lib/postgresql/<version>/bin holding initdb, pg_ctl and postgres.
    private static func findBinDirectory() throws -> String {
        let root = "/usr/lib/postgresql"
        let versions = (try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []
        let candidates = versions.sorted { (Int($0) ?? 0) > (Int($1) ?? 0) }.map { "\(root)/\($0)/bin" }
        for candidate in candidates
        where ["initdb", "pg_ctl", "postgres", "pg_isready"].allSatisfy({
            FileManager.default.isExecutableFile(atPath: "\(candidate)/\($0)")
        }) {
            return candidate
        }
        throw PostgresServerError(
            description: "PostgreSQL server programs (initdb, pg_ctl, postgres) were not found under "
                + "\(root)/*/bin: run scripts/bootstrap, which installs the postgresql package"
        )
    }
}
