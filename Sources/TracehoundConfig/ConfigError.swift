// Config errors: every problem found in one run, each naming file, line, column and key path.

/// One problem in a config file: where it is, which key, and what is wrong.
public struct ConfigDiagnostic: Sendable, Equatable, CustomStringConvertible {
    public var file: String
    /// 1-based; 0 when the problem is not at a place in the file (the file cannot be read).
    public var line: Int
    public var column: Int
    /// Where in the config, like `sources[1].format` or `segments.max_bytes`; empty for the document itself.
    public var keyPath: String
    public var message: String

    public init(file: String, line: Int, column: Int, keyPath: String, message: String) {
        self.file = file
        self.line = line
        self.column = column
        self.keyPath = keyPath
        self.message = message
    }

    public init(at mark: YAMLMark, keyPath: String, message: String) {
        self.init(file: mark.file, line: mark.line, column: mark.column, keyPath: keyPath, message: message)
    }

    /// `FILE:LINE:COL: KEYPATH: MESSAGE`; the position and key path are left out when there are none.
    public var description: String {
        var text = file
        if line > 0 { text += ":\(line):\(column)" }
        if !keyPath.isEmpty { text += ": \(keyPath)" }
        return text + ": " + message
    }
}

/// Everything wrong with one config file, in file order. Thrown by the `load` functions.
public struct ConfigError: Error, Sendable, Equatable, CustomStringConvertible {
    public var diagnostics: [ConfigDiagnostic]

    public init(_ diagnostics: [ConfigDiagnostic]) {
        self.diagnostics = diagnostics
    }

    /// One diagnostic per line.
    public var description: String {
        diagnostics.map(\.description).joined(separator: "\n")
    }
}

/// The known name closest to `word`, when it is close enough to be a likely typo.
func closestMatch(to word: String, in candidates: [String]) -> String? {
    let limit = word.count <= 4 ? 1 : (word.count <= 8 ? 2 : 3)
    var best: (name: String, distance: Int)?
    for candidate in candidates {
        var distance = editDistance(word.lowercased(), candidate.lowercased())
        // A shortened or lengthened key (`max_body` for `max_body_bytes`) is a likely slip too.
        if word.count >= 5 && (candidate.hasPrefix(word) || word.hasPrefix(candidate)) {
            distance = min(distance, limit)
        }
        if distance <= limit && distance < (best?.distance ?? Int.max) { best = (candidate, distance) }
    }
    return best?.name
}

/// A did-you-mean suffix for messages: ` (did you mean 'x'?)`, or nothing.
func suggestion(for word: String, in candidates: [String]) -> String {
    closestMatch(to: word, in: candidates).map { " (did you mean '\($0)'?)" } ?? ""
}

/// Levenshtein distance, with a swap of two neighbours counting as one edit (Damerau's optimal string alignment).
func editDistance(_ a: String, _ b: String) -> Int {
    let a = Array(a)
    let b = Array(b)
    if a.isEmpty { return b.count }
    if b.isEmpty { return a.count }
    var previousRow = [Int](repeating: 0, count: b.count + 1)
    var row = Array(0...b.count)
    var twoRowsUp = row
    for i in 1...a.count {
        twoRowsUp = previousRow
        previousRow = row
        row = [Int](repeating: 0, count: b.count + 1)
        row[0] = i
        for j in 1...b.count {
            let cost = a[i - 1] == b[j - 1] ? 0 : 1
            row[j] = min(previousRow[j] + 1, row[j - 1] + 1, previousRow[j - 1] + cost)
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                row[j] = min(row[j], twoRowsUp[j - 2] + 1)
            }
        }
    }
    return row[b.count]
}
