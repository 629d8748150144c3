// `tracehound spool inspect|verify|export --data-dir D [--batch ID]`: a read-only look at a daemon's spool.
import Foundation
public import TracehoundCLI
import TracehoundCore
import TracehoundSpool

public enum SpoolCommand {
    public static func run(action: String, dataDirectory: String, batchID: String?, output: TextOutput) throws
        -> ExitCode
    {
        let directory = Spool.directory(inDataDirectory: dataDirectory)
        let report = try Spool.inspect(directory: directory)
        switch action {
        case "inspect":
            output.write("spool \(directory): \(report.files.count) files, \(report.batches.count) batches\n")
            for file in report.files {
                output.write(
                    "  file \(file.name): \(file.bytes) bytes, \(file.batches) batches, \(file.pendingBatches) pending\n"
                )
            }
            for batch in report.batches where batchID == nil || batch.id == batchID {
                output.write(
                    "  batch \(batch.id) seq \(batch.sequence) \(batch.payloadBytes) bytes \(batch.status.rawValue) (\(batch.file))\n"
                )
            }
            for checkpoint in report.checkpoints.values.sorted(by: { $0.path < $1.path }) {
                output.write("  position \(checkpoint.path) offset \(checkpoint.offset) key \(checkpoint.key)\n")
            }
            for name in report.deadLetters { output.write("  dead letter \(name)\n") }
            for name in report.quarantined { output.write("  quarantined \(name)\n") }
            for problem in report.problems { output.write("  problem: \(problem)\n") }
            return .success
        case "verify":
            for problem in report.problems { output.write("problem: \(problem)\n") }
            var frames = 0
            for batch in report.batches {
                let payload = try Spool.exportPayload(directory: directory, batch: batch)
                do {
                    _ = try BatchReader.lines(of: payload)
                    frames += 1
                } catch {
                    output.write("problem: batch \(batch.id): its LZ4 frame does not decode: \(error)\n")
                    return .failure
                }
            }
            output.write("verified \(report.records.count) records, \(frames) batch frames\n")
            return report.isHealthy ? .success : .failure
        case "export":
            let batches = report.batches.filter { batchID == nil || $0.id == batchID }
            if let batchID, batches.isEmpty { throw UsageError("no batch '\(batchID)' in \(directory)") }
            for batch in batches {
                let payload = try Spool.exportPayload(directory: directory, batch: batch)
                for line in try BatchReader.lines(of: payload) {
                    output.write(String(decoding: line, as: UTF8.self) + "\n")
                }
            }
            return .success
        default:
            throw UsageError("unknown spool action '\(action)' (inspect, verify or export)")
        }
    }
}
