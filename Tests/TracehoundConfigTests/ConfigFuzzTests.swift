// Mutated configs never crash the loader: each either loads (and then round-trips through renderResolved) or fails
// with diagnostics that point inside the file.
import TracehoundConfig
import XCTest

/// SplitMix64: a small seeded generator, so that a failing mutation can be replayed.
private struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

final class ConfigFuzzTests: XCTestCase {
    private let fragments: [[UInt8]] = [
        "{", "}", "[", "]", ":", ": ", "- ", "\n", "\n  ", "\t", "&a ", "*a", "!!str ", "\"", "'", "#", "${X}", "$$",
        "~",
        "<<: ", "? ", "|\n", ">-\n", "\u{FEFF}", "\0", "\u{85}", "---\n", "...\n", "999999999999999999999", "-1", "1.5",
        "0x10", "KiB", "ms", "null", "yes", "sources", "type: journald", ",",
    ].map { Array($0.utf8) }

    private func mutate(_ base: [UInt8], _ random: inout SeededGenerator) -> [UInt8] {
        var bytes = base
        for _ in 0..<Int.random(in: 1...4, using: &random) {
            let at = Int.random(in: 0...bytes.count, using: &random)
            switch Int.random(in: 0..<4, using: &random) {
            case 0: bytes.insert(contentsOf: fragments.randomElement(using: &random)!, at: at)
            case 1 where at < bytes.count: bytes[at] = UInt8.random(in: 0...255, using: &random)
            case 2: bytes.removeSubrange(at..<min(bytes.count, at + Int.random(in: 1...40, using: &random)))
            default:
                let end = min(bytes.count, at + Int.random(in: 1...60, using: &random))
                bytes.insert(contentsOf: bytes[at..<end], at: Int.random(in: 0...bytes.count, using: &random))
            }
        }
        return bytes
    }

    func testMutatedConfigsLoadAndRoundTripOrFailWithDiagnosticsInsideTheFile() throws {
        let base = Array(everyDaemonKey.utf8)
        var random = SeededGenerator(state: 20_261_125)
        var loaded = 0
        for iteration in 0..<3000 {
            let bytes = mutate(base, &random)
            let text = String(decoding: bytes, as: UTF8.self)
            let lineCount = text.split(separator: "\n", omittingEmptySubsequences: false).count + 1
            do {
                let config = try DaemonConfig.load(yaml: text, file: "fuzz.yaml", environment: ["X": "1"])
                loaded += 1
                let again = try DaemonConfig.load(yaml: config.renderResolved(), file: "again.yaml", environment: [:])
                XCTAssertEqual(again, config, "iteration \(iteration) did not round-trip:\n\(text)")
            } catch {
                XCTAssertFalse(error.diagnostics.isEmpty, "iteration \(iteration)")
                for diagnostic in error.diagnostics {
                    XCTAssertTrue(
                        (1...lineCount).contains(diagnostic.line) && diagnostic.column >= 1,
                        "iteration \(iteration): \(diagnostic) outside the file:\n\(text)"
                    )
                }
            }
        }
        XCTAssertGreaterThan(
            loaded,
            50,
            "too few mutations loaded; the mutations are too destructive to test round trips"
        )
    }
}
